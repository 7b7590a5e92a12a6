using Microsoft.Win32.SafeHandles;
using Sluice.Server.Files;
using Sluice.Server.Planning;

namespace Sluice.Server.Transfer;

// One piece of a described body: bytes held in memory (a multipart part header, possibly empty)
// followed by Length bytes of the file from Offset.
public readonly record struct FileSegment(ReadOnlyMemory<byte> Preamble, long Offset, long Length);

// A response body as a description — which file, which byte ranges — so that the HTTP layer never
// knows which mechanism moves it (nginx's ngx_buf_t with in_file, h2o's sendvec).
public sealed class FileBody
{
    public FileBody(FileRef file, IReadOnlyList<FileSegment> segments, ReadOnlyMemory<byte> epilogue)
    {
        Source = file;
        Segments = segments;
        Epilogue = epilogue;
        long total = epilogue.Length;
        foreach (FileSegment segment in segments)
        {
            total += segment.Preamble.Length + segment.Length;
        }

        Length = total;
    }

    public FileRef Source { get; }

    public SafeFileHandle File => Source.Handle;

    // O_DIRECT alignment of the file's filesystem (statx STATX_DIOALIGN), 0 when unknown.
    public int DirectIoAlignment => (int)Math.Max(Source.Metadata.DirectIoOffsetAlignment, Source.Metadata.DirectIoMemoryAlignment);

    public IReadOnlyList<FileSegment> Segments { get; }

    // Bytes after the last segment (the closing multipart boundary).
    public ReadOnlyMemory<byte> Epilogue { get; }

    public long Length { get; }

    // Set by the planner: what is known of the range's residency (sendfile skips every check
    // when it is Complete).
    public BodyResidency Residency { get; set; }
}
