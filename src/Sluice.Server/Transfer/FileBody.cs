using Microsoft.Win32.SafeHandles;
using Sluice.Server.Files;
using Sluice.Server.Planning;

namespace Sluice.Server.Transfer;

// One piece of a described body: bytes held in memory (a multipart part header, possibly empty)
// followed by Length bytes of the file from Offset.
public readonly record struct FileSegment(ReadOnlyMemory<byte> Preamble, long Offset, long Length);

// A response body as a description — which file, which byte ranges — so that the HTTP layer never
// knows which mechanism moves it (nginx's ngx_buf_t with in_file, h2o's sendvec).
//
// One instance per connection, owned by its ResponsePlan and described anew for each response
// (Describe), so a keep-alive request allocates neither the body nor its segment storage: at
// 4 KiB per request these two were over half of the garbage, and every gen0 collection stalls
// both event threads. Segments is an ArraySegment so that foreach over it uses a struct
// enumerator. The mover reads it only while its response is in flight; nothing keeps it after.
public sealed class FileBody
{
    private FileSegment[] _segments = new FileSegment[1];
    private int _count;

    public FileRef Source { get; private set; }

    public SafeFileHandle File => Source.Handle;

    // O_DIRECT alignment of the file's filesystem (statx STATX_DIOALIGN), 0 when unknown.
    public int DirectIoAlignment => (int)Math.Max(Source.Metadata.DirectIoOffsetAlignment, Source.Metadata.DirectIoMemoryAlignment);

    public ArraySegment<FileSegment> Segments => new(_segments, 0, _count);

    // Bytes after the last segment (the closing multipart boundary).
    public ReadOnlyMemory<byte> Epilogue { get; private set; }

    public long Length { get; private set; }

    // Set by the planner: what is known of the range's residency (sendfile skips every check
    // when it is Complete).
    public BodyResidency Residency { get; set; }

    // Makes this the description of a new response's body; the previous one is forgotten.
    public void Describe(FileRef file, ReadOnlySpan<FileSegment> segments, ReadOnlyMemory<byte> epilogue)
    {
        if (segments.Length > _segments.Length)
        {
            _segments = new FileSegment[segments.Length];
        }

        Clear();
        segments.CopyTo(_segments);
        _count = segments.Length;
        Source = file;
        Epilogue = epilogue;
        long total = epilogue.Length;
        foreach (FileSegment segment in segments)
        {
            total += segment.Preamble.Length + segment.Length;
        }

        Length = total;
    }

    // Drops the references of the last response (its handle, its multipart preambles), so a
    // connection idle between requests keeps nothing of it reachable.
    public void Clear()
    {
        Array.Clear(_segments, 0, _count);
        _count = 0;
        Source = default;
        Epilogue = ReadOnlyMemory<byte>.Empty;
        Length = 0;
        Residency = BodyResidency.Unknown;
    }
}
