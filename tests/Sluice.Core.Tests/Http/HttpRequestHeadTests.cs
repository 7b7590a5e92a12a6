using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

public sealed class HttpRequestHeadTests
{
    private static HttpRequestHead Parse(string request, int maxFields = 100)
    {
        var head = new HttpRequestHead(maxFields);
        var collector = new HttpRequestHeadCollector(head);
        ParseStatus status = HttpRequestParser.TryParse(Encoding.Latin1.GetBytes(request), ref collector, out _, out RequestRejectionReason reason);
        Assert.True(status == ParseStatus.Complete, $"{status} {reason}");
        return head;
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.None)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", RequestRejectionReason.None)]
    [InlineData("GET / HTTP/1.1\r\n\r\n", RequestRejectionReason.MissingHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", RequestRejectionReason.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", RequestRejectionReason.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", RequestRejectionReason.InvalidHost)]
    [InlineData("GET / HTTP/1.0\r\nHost: a@b\r\n\r\n", RequestRejectionReason.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", RequestRejectionReason.None)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.ContentLengthWithTransferEncoding)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", RequestRejectionReason.ConflictingContentLength)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", RequestRejectionReason.None)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    public void FramingIsValidated(string request, RequestRejectionReason expected) =>
        Assert.Equal(expected, Parse(request).Validate());

    // A handler that takes the body (an upload) accepts chunked alone, in HTTP/1.1 only; anything
    // else with Transfer-Encoding stays 501, and both framings at once stay 400.
    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n", "HTTP/1.1", RequestRejectionReason.None)]
    [InlineData("Transfer-Encoding:  Chunked \r\n", "HTTP/1.1", RequestRejectionReason.None)]
    [InlineData("Transfer-Encoding: chunked\r\n", "HTTP/1.0", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n", "HTTP/1.1", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("Transfer-Encoding: chunked, chunked\r\n", "HTTP/1.1", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "HTTP/1.1", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "HTTP/1.1", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "HTTP/1.1", RequestRejectionReason.ContentLengthWithTransferEncoding)]
    public void ChunkedIsAcceptedOnlyAloneAndOnlyWhereABodyIsTaken(string fields, string version, RequestRejectionReason expected)
    {
        HttpRequestHead head = Parse($"PUT /f {version}\r\nHost: a\r\n{fields}\r\n");
        Assert.Equal(expected, head.Validate(acceptsChunked: true));
        Assert.NotEqual(RequestRejectionReason.None, head.Validate(acceptsChunked: false));
    }

    [Fact]
    public void TooManyFieldsAreRefused()
    {
        string request = "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"X-{i}: {i}\r\n")) + "\r\n";
        Assert.Equal(RequestRejectionReason.None, Parse(request, maxFields: 6).Validate());
        Assert.Equal(RequestRejectionReason.TooManyHeaders, Parse(request, maxFields: 5).Validate());
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive, Close\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive, close\r\n", false)]
    public void PersistenceFollowsRfc9112Section9_3(string version, string field, bool keepAlive) =>
        Assert.Equal(keepAlive, Parse($"GET / {version}\r\nHost: a\r\n{field}\r\n").KeepAlive);

    [Fact]
    public void ConditionalFieldsAreCapturedAndListsCombined()
    {
        HttpRequestHead head = Parse(
            "GET /f HTTP/1.1\r\nhost: a\r\nRANGE: bytes=1-2\r\nIf-None-Match: \"a\"\r\nif-none-match: \"b\"\r\n" +
            "If-Match: *\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Unmodified-Since: x\r\nIf-Range: \"a\"\r\n\r\n");

        Assert.Equal("a", head.Host);
        Assert.Equal("bytes=1-2", head.Range);
        Assert.Equal("\"a\", \"b\"", head.IfNoneMatch);
        Assert.Equal("*", head.IfMatch);
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", head.IfModifiedSince);
        Assert.Equal("x", head.IfUnmodifiedSince);
        Assert.Equal("\"a\"", head.IfRange);
        Assert.Equal("/f", head.Target);
        Assert.Equal(HttpMethod.Get, head.Method);
    }

    [Fact]
    public void ResetForgetsThePreviousRequest()
    {
        HttpRequestHead head = Parse("GET /f HTTP/1.1\r\nHost: a\r\nHost: b\r\nRange: bytes=0-0\r\nContent-Length: 5\r\n\r\n");
        Assert.NotEqual(RequestRejectionReason.None, head.Validate());

        head.Reset();
        var collector = new HttpRequestHeadCollector(head);
        HttpRequestParser.TryParse("GET /g HTTP/1.1\r\nHost: c\r\n\r\n"u8, ref collector, out _, out _);

        Assert.Equal(RequestRejectionReason.None, head.Validate());
        Assert.Null(head.Range);
        Assert.Null(head.ContentLength);
        Assert.Equal("/g", head.Target);
    }

    // Target and Host are kept as bytes in buffers the head reuses: a later request, shorter or
    // longer, must never show the earlier one's bytes, nor a string cached for it.
    [Fact]
    public void ReusedTargetAndHostBuffersShowOnlyTheCurrentRequest()
    {
        HttpRequestHead head = Parse("GET /a-rather-long-target-that-fills-the-buffer?q=1 HTTP/1.1\r\nHost: first.example\r\n\r\n");
        Assert.Equal("/a-rather-long-target-that-fills-the-buffer?q=1", head.Target);
        Assert.Equal("first.example", head.Host);

        string longer = "/" + new string('x', 300);
        foreach ((string target, string? host) in new[] { ("/b", (string?)"c"), (longer, "d.example"), ("/e", null) })
        {
            head.Reset();
            Assert.Equal("", head.Target);
            Assert.Null(head.Host);
            var collector = new HttpRequestHeadCollector(head);
            string hostField = host is null ? "" : $"Host: {host}\r\n";
            HttpRequestParser.TryParse(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.0\r\n{hostField}\r\n"), ref collector, out _, out _);

            Assert.Equal(target, Encoding.ASCII.GetString(head.TargetBytes));
            Assert.Equal(target, head.Target);
            Assert.Equal(host, head.Host);
        }
    }

    [Theory]
    [InlineData(RequestRejectionReason.InvalidRequestLine, 400)]
    [InlineData(RequestRejectionReason.MissingHost, 400)]
    [InlineData(RequestRejectionReason.InvalidHost, 400)]
    [InlineData(RequestRejectionReason.ContentLengthWithTransferEncoding, 400)]
    [InlineData(RequestRejectionReason.UnsupportedHttpVersion, 505)]
    [InlineData(RequestRejectionReason.RequestLineTooLong, 414)]
    [InlineData(RequestRejectionReason.HeadersTooLarge, 431)]
    [InlineData(RequestRejectionReason.TooManyHeaders, 431)]
    [InlineData(RequestRejectionReason.BodyTooLarge, 413)]
    [InlineData(RequestRejectionReason.HeaderTimeout, 408)]
    [InlineData(RequestRejectionReason.UnsupportedTransferEncoding, 501)]
    public void RejectionsMapToStatusesInOnePlace(RequestRejectionReason reason, int status) =>
        Assert.Equal(status, RequestRejection.StatusCode(reason));

    [Fact]
    public void AcceptEncodingIsKeptAndRepeatedFieldsJoin()
    {
        HttpRequestHead head = Parse("GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip;q=0.5\r\naccept-encoding: br\r\n\r\n");
        Assert.True(head.HasAcceptEncoding);
        Assert.Equal("gzip;q=0.5,br", Encoding.ASCII.GetString(head.AcceptEncodingBytes));

        // Absent and empty differ (RFC 9110 §12.5.3), and Reset forgets the field.
        Assert.True(Parse("GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding:\r\n\r\n").HasAcceptEncoding);
        head.Reset();
        Assert.False(head.HasAcceptEncoding);
        Assert.False(Parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").HasAcceptEncoding);
    }

    // The access log's referer and user agent: kept per request (cleared by Reset, so a second
    // request without them does not inherit the first's), cut to MaxLoggedFieldBytes.
    [Fact]
    public void UserAgentAndRefererAreKeptBoundedAndReset()
    {
        string longAgent = new('a', HttpRequestHead.MaxLoggedFieldBytes + 100);
        HttpRequestHead head = Parse($"GET / HTTP/1.1\r\nHost: a\r\nuser-agent: {longAgent}\r\nReferer: http://r.example/p?q=1\r\n\r\n");
        Assert.Equal(longAgent[..HttpRequestHead.MaxLoggedFieldBytes], head.UserAgent);
        Assert.Equal("http://r.example/p?q=1", head.Referer);

        head.Reset();
        var collector = new HttpRequestHeadCollector(head);
        HttpRequestParser.TryParse("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8.5.0\r\n\r\n"u8, ref collector, out _, out _);
        Assert.Equal("curl/8.5.0", head.UserAgent);
        Assert.Null(head.Referer);
    }

    [Fact]
    public void WantReprDigestIsKeptAndRepeatedFieldsJoin()
    {
        HttpRequestHead head = Parse("GET / HTTP/1.1\r\nHost: a\r\nWant-Repr-Digest: sha-512=3\r\nwant-repr-digest: sha-256=1\r\n\r\n");
        Assert.True(head.HasWantReprDigest);
        Assert.Equal("sha-512=3,sha-256=1", Encoding.ASCII.GetString(head.WantReprDigestBytes));
        head.Reset();
        Assert.False(head.HasWantReprDigest);
        Assert.False(Parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").HasWantReprDigest);
    }
}
