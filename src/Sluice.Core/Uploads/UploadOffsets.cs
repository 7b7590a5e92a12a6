namespace Sluice.Core.Uploads;

// The offset rules of a tus upload. Invariant: 0 <= offset <= length; the server's offset only
// grows, by exactly the bytes written and made durable; a client learns it from HEAD and must
// send the next PATCH from precisely there (no overlap, no gap), so a retransmitted piece can
// never be applied twice.
public static class UploadOffsets
{
    // declaredBodyLength: the PATCH's Content-Length, or null for a chunked body (then the body is
    // cut at the upload's length while it is read).
    public static PatchCheck Check(long serverOffset, long uploadLength, long clientOffset, long? declaredBodyLength)
    {
        if (clientOffset != serverOffset)
        {
            return PatchCheck.OffsetMismatch;
        }

        if (declaredBodyLength is long body && body > uploadLength - serverOffset)
        {
            return PatchCheck.BeyondLength;
        }

        return PatchCheck.Accept;
    }

    // The most a PATCH may write at this offset.
    public static long Remaining(long serverOffset, long uploadLength) => uploadLength - serverOffset;
}
