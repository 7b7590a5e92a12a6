using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

public sealed class HttpResponseHeadParserTests
{
    public static TheoryData<string, int, string, string[]> ValidHeads => new()
    {
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200, "OK", ["Content-Length=5"] },
        { "HTTP/1.1 204 No Content\r\n\r\n", 204, "No Content", [] },
        { "HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", [] },
        { "HTTP/1.0 404 \r\nServer:nginx\r\n\r\n", 404, "", ["Server=nginx"] },
        { "HTTP/1.1 201\r\nLocation: /-/uploads/0123\r\n\r\n", 201, "", ["Location=/-/uploads/0123"] },
        {
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nETag:  \"a-b\"  \r\nX-Empty:\r\nX-Obs: caf\u00e9\r\n\r\n",
            206, "Partial Content", ["Content-Range=bytes 0-9/100", "ETag=\"a-b\"", "X-Empty=", "X-Obs=caf\u00e9"]
        },
        { "HTTP/1.1 204 No Content\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 1048576\r\n\r\n", 204, "No Content", ["Tus-Resumable=1.0.0", "Upload-Offset=1048576"] },
    };

    public static TheoryData<string> InvalidHeads => new()
    {
        "HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n", // bare LF
        "HTTP/1.1 200 OK\r\nA: b\n\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\n\r\n",            // obs-fold
        "HTTP/1.1 200 OK\r\nX-Name : a\r\n\r\n",               // space before the colon
        "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\u0001b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidHeads))]
    public void CompleteHeadIsParsedAndConsumedWhole(string text, int status, string reason, string[] fields)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text + "body after the head");

        ParseStatus result = HttpResponseHeadParser.TryParse(bytes, out HttpResponseHead? head, out int consumed);

        Assert.Equal(ParseStatus.Complete, result);
        Assert.NotNull(head);
        Assert.Equal(text.Length, consumed);
        Assert.Equal(status, head.StatusCode);
        Assert.Equal(reason, head.ReasonPhrase);
        Assert.Equal(fields, head.Fields.Select(f => $"{f.Key}={f.Value}"));
    }

    [Theory]
    [MemberData(nameof(ValidHeads))]
    public void EveryPrefixIsIncompleteAndConsumesNothing(string text, int status, string reason, string[] fields)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        Assert.True(status > 0 && reason is not null && fields is not null);
        for (int length = 0; length < bytes.Length; length++)
        {
            ParseStatus result = HttpResponseHeadParser.TryParse(bytes.AsSpan(0, length), out HttpResponseHead? head, out int consumed);
            Assert.True(result == ParseStatus.Incomplete, $"prefix of {length} bytes gave {result}");
            Assert.Equal(0, consumed);
            Assert.Null(head);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidHeads))]
    public void MalformedHeadIsInvalid(string text)
    {
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParse(Encoding.Latin1.GetBytes(text), out HttpResponseHead? head, out int consumed));
        Assert.Null(head);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void BareLineFeedIsInvalidBeforeTheHeadEnds()
    {
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParse("HTTP/1.1 200 OK\nServer: x"u8, out _, out _));
    }

    [Fact]
    public void HeadLongerThanTheLimitIsInvalidEvenIncomplete()
    {
        byte[] incomplete = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX: " + new string('a', 200));
        Assert.Equal(ParseStatus.Incomplete, HttpResponseHeadParser.TryParse(incomplete, out _, out _, maxHeadBytes: incomplete.Length + 1));
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParse(incomplete, out _, out _, maxHeadBytes: incomplete.Length));

        byte[] complete = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX: a\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(complete, out _, out _, maxHeadBytes: complete.Length));
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParse(complete, out _, out _, maxHeadBytes: complete.Length - 1));
    }

    [Fact]
    public void InterimAndFinalResponsesAreParsedOneAfterTheOther()
    {
        byte[] bytes = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"u8.ToArray();

        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(bytes, out HttpResponseHead? interim, out int first));
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(bytes.AsSpan(first), out HttpResponseHead? final, out int second));

        Assert.True(interim!.IsInformational);
        Assert.Equal(201, final!.StatusCode);
        Assert.Equal(0, final.ContentLength);
        Assert.Equal(bytes.Length, first + second);
    }

    [Fact]
    public void FramingFollowsRfc9112()
    {
        HttpResponseHead head = Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        Assert.True(head.IsChunked);
        Assert.Null(head.BodyLength(requestWasHead: false)); // Transfer-Encoding overrides Content-Length
        Assert.Equal(0, head.BodyLength(requestWasHead: true));

        head = Parse("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nConnection: close\r\n\r\n");
        Assert.Equal(7, head.BodyLength(requestWasHead: false));
        Assert.False(head.KeepAlive);

        head = Parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n");
        Assert.Equal(0, head.BodyLength(requestWasHead: false));
        Assert.True(head.KeepAlive);

        head = Parse("HTTP/1.0 200 OK\r\n\r\n");
        Assert.Null(head.BodyLength(requestWasHead: false)); // until the connection closes
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void TusAndRangeFieldsAreReadByName()
    {
        HttpResponseHead head = Parse(
            "HTTP/1.1 200 OK\r\nupload-offset: 42\r\nUpload-Length: 100\r\nEtag: \"x\"\r\nLOCATION: /a\r\ncontent-range: bytes 1-2/3\r\nX: 1\r\nx: 2\r\n\r\n");
        Assert.Equal(42, head.UploadOffset);
        Assert.Equal(100, head.UploadLength);
        Assert.Equal("\"x\"", head.ETag);
        Assert.Equal("/a", head.Location);
        Assert.Equal("bytes 1-2/3", head.ContentRange);
        Assert.Equal(["1", "2"], head.GetAll("X"));

        Assert.Null(Parse("HTTP/1.1 200 OK\r\nUpload-Offset: -1\r\n\r\n").UploadOffset);
        Assert.Null(Parse("HTTP/1.1 200 OK\r\nUpload-Offset: 1e3\r\n\r\n").UploadOffset);
    }

    private static HttpResponseHead Parse(string text)
    {
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(Encoding.Latin1.GetBytes(text), out HttpResponseHead? head, out _));
        return head!;
    }
}
