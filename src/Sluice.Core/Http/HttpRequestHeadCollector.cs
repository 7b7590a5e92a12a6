namespace Sluice.Core.Http;

// The struct handler the connection passes to HttpRequestParser: the generic constraint lets the
// JIT devirtualize and inline the callbacks.
public readonly struct HttpRequestHeadCollector(HttpRequestHead head) : IHttpRequestHandler
{
    public void OnStartLine(HttpMethod method, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> target, HttpVersion version) =>
        head.OnStartLine(method, methodToken, target, version);

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => head.OnHeader(name, value);
}
