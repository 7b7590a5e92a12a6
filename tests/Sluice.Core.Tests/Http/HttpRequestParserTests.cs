using System.Text;
using Sluice.Core.Http;
using Sluice.Core.Oracles.Http;

namespace Sluice.Core.Tests.Http;

public sealed class HttpRequestParserTests
{
    public static TheoryData<string, string[]> ValidRequests => new()
    {
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ["Get|GET|/|Http11", "Host=a"] },
        { "HEAD /x?y=1 HTTP/1.0\r\n\r\n", ["Head|HEAD|/x?y=1|Http10"] },
        {
            "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nRange: bytes=0-99, 200-\r\nIf-None-Match:   \"abc\"  \r\nUser-Agent: curl/8\r\n\r\n",
            ["Get|GET|/big.bin|Http11", "Host=127.0.0.1:8080", "Range=bytes=0-99, 200-", "If-None-Match=\"abc\"", "User-Agent=curl/8"]
        },
        { "\r\nGET /after-empty-line HTTP/1.1\r\nHost: h\r\n\r\n", ["Get|GET|/after-empty-line|Http11", "Host=h"] },
        { "BREW /pot HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", ["Unknown|BREW|/pot|Http11", "Host=h", "X-Empty="] },
        // RFC 9112 §2.3: a higher 1.x minor version is treated as 1.1.
        { "GET /future HTTP/1.2\r\nHost: h\r\n\r\n", ["Get|GET|/future|Http11", "Host=h"] },
        { "GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\nX-Obs: caf\u00e9\r\n\r\n", ["Get|GET|http://example.com/a|Http11", "Host=example.com", "X-Obs=caf\u00e9"] },
    };

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void CompleteRequestIsReportedAndConsumedWhole(string request, string[] expected)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(request);
        var handler = new RecordingHandler();

        ParseStatus status = HttpRequestParser.TryParse(bytes, ref handler, out int consumed, out RequestRejectionReason reason);

        Assert.Equal(ParseStatus.Complete, status);
        Assert.Equal(RequestRejectionReason.None, reason);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(expected, handler.Events);
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void EveryPrefixIsIncompleteConsumesNothingAndCallsNothing(string request, string[] expected)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(request);
        Assert.NotEmpty(expected);
        for (int length = 0; length < bytes.Length; length++)
        {
            var handler = new RecordingHandler();
            ParseStatus status = HttpRequestParser.TryParse(bytes.AsSpan(0, length), ref handler, out int consumed, out _);

            Assert.True(status == ParseStatus.Incomplete, $"prefix of {length} bytes gave {status}");
            Assert.Equal(0, consumed);
            Assert.Empty(handler.Events);
        }
    }

    [Fact]
    public void PipelinedRequestsAreConsumedOneAtATime()
    {
        byte[] bytes = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTT"u8.ToArray();
        var targets = new List<string>();
        int offset = 0;
        while (true)
        {
            var handler = new RecordingHandler();
            ParseStatus status = HttpRequestParser.TryParse(bytes.AsSpan(offset), ref handler, out int consumed, out _);
            if (status != ParseStatus.Complete)
            {
                Assert.Equal(ParseStatus.Incomplete, status);
                break;
            }

            targets.Add(handler.Events[0].Split('|')[2]);
            offset += consumed;
        }

        Assert.Equal(["/1", "/2"], targets);
        Assert.Equal("GET /3 HTT", Encoding.ASCII.GetString(bytes.AsSpan(offset)));
    }

    [Theory]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / http/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.10\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", RequestRejectionReason.UnsupportedHttpVersion)]
    [InlineData("GET / HTTP/0.9\r\nHost: a\r\n\r\n", RequestRejectionReason.UnsupportedHttpVersion)]
    [InlineData("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestTarget)]
    [InlineData("GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestTarget)]
    [InlineData("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\n: a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nH\u00e9: a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nNoColon\r\n\r\n", RequestRejectionReason.InvalidHeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n", RequestRejectionReason.InvalidHeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", RequestRejectionReason.InvalidHeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nX: a\u007fb\r\n\r\n", RequestRejectionReason.InvalidHeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", RequestRejectionReason.ObsoleteLineFolding)]
    [InlineData("GET / HTTP/1.1\nHost: a\n\n", RequestRejectionReason.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\n", RequestRejectionReason.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: 1\n\r\n", RequestRejectionReason.BareLineFeed)]
    public void InvalidRequestsAreRejectedWithTheirReason(string request, RequestRejectionReason expected)
    {
        var handler = new RecordingHandler();
        ParseStatus status = HttpRequestParser.TryParse(Encoding.Latin1.GetBytes(request), ref handler, out int consumed, out RequestRejectionReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(expected, reason);
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("GET", HttpMethod.Get)]
    [InlineData("HEAD", HttpMethod.Head)]
    [InlineData("POST", HttpMethod.Post)]
    [InlineData("PUT", HttpMethod.Put)]
    [InlineData("DELETE", HttpMethod.Delete)]
    [InlineData("OPTIONS", HttpMethod.Options)]
    [InlineData("PATCH", HttpMethod.Patch)]
    [InlineData("TRACE", HttpMethod.Trace)]
    [InlineData("CONNECT", HttpMethod.Connect)]
    [InlineData("get", HttpMethod.Unknown)]
    [InlineData("GETS", HttpMethod.Unknown)]
    public void MethodsAreCaseSensitiveTokens(string token, HttpMethod expected) =>
        Assert.Equal(expected, HttpRequestParser.ParseMethod(Encoding.ASCII.GetBytes(token)));
}
