using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Oracles.Http;

// Records every callback as text so tests can compare what the parser reported.
public struct RecordingHandler : IHttpRequestHandler
{
    public RecordingHandler()
    {
    }

    public List<string> Events { get; } = [];

    public void OnStartLine(HttpMethod method, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> target, HttpVersion version) =>
        Events.Add($"{method}|{Encoding.ASCII.GetString(methodToken)}|{Encoding.ASCII.GetString(target)}|{version}");

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        Events.Add($"{Encoding.Latin1.GetString(name)}={Encoding.Latin1.GetString(value)}");
}
