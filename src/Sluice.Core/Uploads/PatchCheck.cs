namespace Sluice.Core.Uploads;

// The verdict on a PATCH before any byte is read.
public enum PatchCheck : byte
{
    Accept,
    // The client's Upload-Offset is not where the upload stands (409, tus 1.0.0 §PATCH).
    OffsetMismatch,
    // Upload-Offset + Content-Length would pass Upload-Length (413).
    BeyondLength,
}
