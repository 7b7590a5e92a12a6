using BenchmarkDotNet.Attributes;
using Sluice.Core.Http;

namespace Sluice.Benchmarks;

// The request parser on the requests wrk and curl send: it must not allocate.
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private static readonly byte[] s_wrk = "GET /small.bin HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"u8.ToArray();

    private static readonly byte[] s_browser =
        ("GET /videos/big%20file.mp4 HTTP/1.1\r\nHost: files.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0\r\n" +
         "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
         "Range: bytes=1048576-\r\nIf-Range: \"1f-4000-18eb25f069c92e4c\"\r\nConnection: keep-alive\r\n\r\n").Select(c => (byte)c).ToArray();

    [Benchmark(Baseline = true)]
    public int ParseWrkRequest() => Parse(s_wrk);

    [Benchmark]
    public int ParseBrowserRequest() => Parse(s_browser);

    private static int Parse(byte[] request)
    {
        var handler = new CountingHandler();
        HttpRequestParser.TryParse(request, ref handler, out int consumed, out _);
        return consumed + handler.Fields;
    }

    private struct CountingHandler : IHttpRequestHandler
    {
        public int Fields;

        public void OnStartLine(HttpMethod method, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> target, HttpVersion version) => Fields += target.Length;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Fields++;
    }
}
