using System.Text;
using Sluice.Core.Ranges;
using Sluice.Interop.Pal;
using Sluice.Server.Transfer;

namespace Sluice.Server.Files;

public sealed partial class FileHandler
{
    // A per-process boundary: random so it cannot collide with file content by construction.
    private static readonly string s_boundary = "sluice-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 8);

    [ThreadStatic]
    private static List<ByteRange>? t_ranges;

    // Returns false when the Range field is to be ignored (serve 200).
    private bool TryServeRanges(string header, ResponsePlan plan, FileRef file)
    {
        FileMetadata metadata = file.Metadata;
        List<ByteRange> ranges = t_ranges ??= new List<ByteRange>(4);
        switch (RangeHeaderParser.Parse(header, metadata.Length, ranges))
        {
            case RangeOutcome.Ignored:
                return false;
            case RangeOutcome.Unsatisfiable:
                // RFC 9110 §15.5.17: 416 with Content-Range: bytes */complete-length.
                file.Release();
                Error(plan, 416);
                plan.UnsatisfiedCompleteLength = metadata.Length;
                plan.AcceptRanges = true;
                return true;
        }

        plan.Status = 206;
        if (ranges.Count == 1)
        {
            ByteRange range = ranges[0];
            plan.HasContentRange = true;
            plan.RangeFirst = range.Offset;
            plan.RangeLast = range.End - 1;
            plan.CompleteLength = metadata.Length;
            var only = new FileSegment(ReadOnlyMemory<byte>.Empty, range.Offset, range.Length);
            AttachFile(plan, file, new ReadOnlySpan<FileSegment>(in only), ReadOnlyMemory<byte>.Empty, range.Length);
            return true;
        }

        // RFC 9110 §14.6: multipart/byteranges, each part with its own Content-Type and Content-Range.
        string partType = plan.ContentType ?? "application/octet-stream";

        // The multipart body itself is not encoded, so Content-Encoding moves from the message to
        // each part: every part is a range of the encoded representation.
        string partEncoding = plan.ContentEncoding is null ? "" : $"Content-Encoding: {plan.ContentEncoding}\r\n";
        plan.ContentEncoding = null;
        var segments = new FileSegment[ranges.Count];
        long total = 0;
        for (int i = 0; i < ranges.Count; i++)
        {
            ByteRange range = ranges[i];
            string preamble = $"{(i == 0 ? "" : "\r\n")}--{s_boundary}\r\nContent-Type: {partType}\r\n{partEncoding}Content-Range: bytes {range.Offset}-{range.End - 1}/{metadata.Length}\r\n\r\n";
            byte[] bytes = Encoding.ASCII.GetBytes(preamble);
            segments[i] = new FileSegment(bytes, range.Offset, range.Length);
            total += bytes.Length + range.Length;
        }

        byte[] epilogue = Encoding.ASCII.GetBytes($"\r\n--{s_boundary}--\r\n");
        total += epilogue.Length;
        plan.ContentType = "multipart/byteranges; boundary=" + s_boundary;
        AttachFile(plan, file, segments, epilogue, total);
        return true;
    }
}
