using System.Text;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Malformed, ambiguous or oversized requests on raw sockets: a status, then the connection closes.
public sealed class ProtocolErrorTests
{
    public static TheoryData<string, int> BadRequests => new()
    {
        { "GARBAGE\r\n\r\n", 400 },
        { "GET\r\nHost: a\r\n\r\n", 400 },
        { "GET /tiny.txt\r\nHost: a\r\n\r\n", 400 },
        { "GET  /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        // RFC 9112 §3.2: exactly one Host, and a valid one (uri-host [":" port]).
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a, b\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: user@a\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a:b\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a:80:80\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: [::1\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
        { "GET /tiny.txt HTTP/3.0\r\nHost: a\r\n\r\n", 505 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nBad\tHeader: x\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400 },
        { "GET /tiny.txt HTTP/1.1\r\nHost: a\r\n X-Folded: x\r\n\r\n", 400 },
    };

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("[::1]:8080")]
    [InlineData("[::1]")]
    [InlineData("example.com")]
    [InlineData("xn--bcher-kva.example:443")]
    [InlineData("a%2Eb")]
    [InlineData("")]
    public async Task ValidHostFieldsAreAccepted(string host)
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();

        await connection.SendAsync($"GET /tiny.txt HTTP/1.1\r\nHost: {host}\r\n\r\n");
        RawResponse response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.TinyText, response.BodyText);
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task MalformedRequestsAreRefusedAndTheConnectionCloses(string request, int status)
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();

        // A valid request pipelined behind the bad one must not be answered.
        await connection.SendAsync(request + "GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse response = await connection.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        byte[] rest = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));
        Assert.True(rest.Length == 0, $"more bytes after the error: {TestServer.Ascii(rest)}");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public async Task KnownMethodsOtherThanGetAndHeadGet405WithAllow(string method)
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/tiny.txt", method == "POST" ? "Content-Length: 0\r\n" : "", method);

        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
        Assert.True(File.Exists(server.PathOf("tiny.txt")));
        Assert.Equal(TestServer.TinyText, File.ReadAllText(server.PathOf("tiny.txt")));
    }

    [Fact]
    public async Task AnUnknownMethodGets501()
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/tiny.txt", "", "BREW");

        Assert.Equal(501, response.Status);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
    }

    [Fact]
    public async Task RequestLineOver8KiBGets414()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync($"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(414, response.Status);
    }

    [Fact]
    public async Task RequestLineJustUnder8KiBIsAccepted()
    {
        await using var server = TestServer.Start();
        string target = "/" + new string('a', 8000);

        RawResponse response = await server.GetAsync(target);

        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task HeadersOver32KiBGet431()
    {
        await using var server = TestServer.Start();
        var request = new StringBuilder("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 40; i++)
        {
            request.Append("X-Padding-").Append(i).Append(": ").Append('v', 1000).Append("\r\n");
        }

        RawResponse response = await server.SendExpectingCloseAsync(request.Append("\r\n").ToString());

        Assert.Equal(431, response.Status);
    }

    [Fact]
    public async Task HeadersUnder32KiBAreAccepted()
    {
        await using var server = TestServer.Start();
        var headers = new StringBuilder();
        for (int i = 0; i < 20; i++)
        {
            headers.Append("X-Padding-").Append(i).Append(": ").Append('v', 1000).Append("\r\n");
        }

        RawResponse response = await server.GetAsync("/tiny.txt", headers.ToString());

        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.TinyText, response.BodyText);
    }

    [Fact]
    public async Task ServerStaysHealthyAfterRejections()
    {
        await using var server = TestServer.Start();
        for (int i = 0; i < 5; i++)
        {
            await using RawHttpConnection bad = await server.ConnectAsync();
            await bad.SendAsync("BROKEN\r\n\r\n");
            Assert.Equal(400, (await bad.ReadResponseAsync()).Status);
        }

        RawResponse response = await server.GetAsync("/tiny.txt");
        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task TooManyHeaderFieldsGet431()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        string fields = string.Concat(Enumerable.Range(0, 150).Select(i => $"X-F{i}: v\r\n"));

        await connection.SendAsync($"GET /tiny.txt HTTP/1.1\r\nHost: a\r\n{fields}\r\n");
        RawResponse response = await connection.ReadResponseAsync();

        Assert.Equal(431, response.Status);
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("HEAD /tiny.txt HTTP/1.1\r\n\r\n", 400)]
    [InlineData("HEAD /LONG HTTP/1.1\r\nHost: a\r\n\r\n", 414)]
    [InlineData("HEAD /tiny.txt HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
    [InlineData("HEAD /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("HEAD /tiny.txt HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", 400)]
    public async Task RejectedHeadRequestsGetNoBody(string request, int status)
    {
        request = request.Replace("LONG", new string('a', 9000), StringComparison.Ordinal);
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();

        await connection.SendAsync(request);
        RawResponse response = await connection.ReadResponseAsync(isHead: true);

        Assert.Equal(status, response.Status);
        byte[] rest = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));
        Assert.True(rest.Length == 0, $"a HEAD response carried a body: '{TestServer.Ascii(rest)}'");
    }
}
