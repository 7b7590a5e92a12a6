using BenchmarkDotNet.Attributes;
using Sluice.Core.Dates;
using Sluice.Core.Responses;

namespace Sluice.Benchmarks;

// A 200 and a 206 head as the server writes them: it must not allocate.
[MemoryDiagnoser]
public class ResponseHeadBenchmarks
{
    private readonly byte[] _buffer = new byte[1024];
    private readonly byte[] _date = new byte[29];
    private readonly DateTimeOffset _lastModified = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    [GlobalSetup]
    public void Setup() => HttpDate.Format(DateTimeOffset.UtcNow, _date);

    [Benchmark(Baseline = true)]
    public int WriteFileHead() => Write(partial: false);

    [Benchmark]
    public int WritePartialHead() => Write(partial: true);

    private int Write(bool partial)
    {
        var w = new ResponseHeadWriter(_buffer);
        w.StatusLine(partial ? 206 : 200);
        w.Field("Server"u8, "sluice"u8);
        w.Field("Date"u8, _date);
        w.Field("Content-Type"u8, "application/octet-stream");
        w.Field("Content-Length"u8, partial ? 1_048_576L : 4_294_971_392L);
        Span<byte> date = stackalloc byte[29];
        HttpDate.Format(_lastModified, date);
        w.Field("Last-Modified"u8, date);
        w.Field("ETag"u8, "\"1f-4000-18eb25f069c92e4c\"");
        w.Field("Accept-Ranges"u8, "bytes"u8);
        if (partial)
        {
            w.ContentRange(1_048_576, 2_097_151, 4_294_971_392);
        }

        w.End();
        return w.Length;
    }
}
