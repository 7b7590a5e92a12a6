namespace Sluice.Core.Http;

// Receives the parts of a request head. Spans point into the caller's buffer and are valid
// only during the call, so the parser never allocates.
public interface IHttpRequestHandler
{
    void OnStartLine(HttpMethod method, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> target, HttpVersion version);

    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
