using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Persistent connections, pipelining and HEAD (RFC 9112 §9.3, RFC 9110 §9.3.2).
public sealed class ConnectionTests
{
    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task PipelinedRequestsAreAnsweredInOrder(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        await using RawHttpConnection connection = await server.ConnectAsync();

        // Three requests in one write.
        await connection.SendAsync(
            "GET /blocks.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=4096-8191\r\n\r\n" +
            "GET /random.bin HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");

        RawResponse first = await connection.ReadResponseAsync();
        RawResponse second = await connection.ReadResponseAsync();
        RawResponse third = await connection.ReadResponseAsync();

        Assert.Equal(206, first.Status);
        Fixtures.AssertBytes(Fixtures.Blocks(4096, 4096), first.Body, "first response");
        Assert.Equal(200, second.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(second.Body));
        Assert.Equal(200, third.Status);
        Assert.Equal(TestServer.TinyText, third.BodyText);
        Assert.Equal(0, connection.Buffered);
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task SeveralRequestsShareOneConnection(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        await using RawHttpConnection connection = await server.ConnectAsync();
        for (int i = 0; i < 5; i++)
        {
            long offset = i * 100_000;
            await connection.SendAsync($"GET /blocks.bin HTTP/1.1\r\nHost: a\r\nRange: bytes={offset}-{offset + 999}\r\n\r\n");
            RawResponse response = await connection.ReadResponseAsync();
            Assert.Equal(206, response.Status);
            Assert.Null(response.Header("Connection"));
            Fixtures.AssertBytes(Fixtures.Blocks(offset, 1000), response.Body, $"request {i}");
        }

        Assert.Equal(1, server.Server.ActiveConnections);
    }

    // "Connection: close" on 1.1, and 1.0 without keep-alive: the response says close, then the
    // server closes its side.
    [Theory]
    [InlineData("GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")]
    [InlineData("GET /tiny.txt HTTP/1.0\r\n\r\n")]
    public async Task TheConnectionClosesWhenTheRequestSaysSo(string request)
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync(request);

        Assert.Equal(200, response.Status);
        Assert.StartsWith("HTTP/1.1 ", response.StatusLine, StringComparison.Ordinal);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(TestServer.TinyText, response.BodyText);
    }

    [Fact]
    public async Task Http10KeepsAliveWhenAsked()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        for (int i = 0; i < 3; i++)
        {
            await connection.SendAsync("GET /tiny.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawResponse response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal("keep-alive", response.Header("Connection"));
            Assert.Equal(TestServer.TinyText, response.BodyText);
        }

        await connection.SendAsync("GET /tiny.txt HTTP/1.0\r\n\r\n");
        Assert.Equal("close", (await connection.ReadResponseAsync()).Header("Connection"));
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task HeadHasTheFieldsOfGetAndNoBody(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        foreach ((string target, string extra) in new[]
        {
            ("/random.bin", ""),
            ("/tiny.txt", ""),
            ("/empty.bin", ""),
            ("/listing/", ""),
            ("/dir/", ""),
            ("/missing", ""),
        })
        {
            await using RawHttpConnection connection = await server.ConnectAsync();

            // HEAD then GET on one connection: if HEAD leaked a body, the GET's status line would not come next.
            await connection.SendAsync(
                $"HEAD {target} HTTP/1.1\r\nHost: a\r\n{extra}\r\n" +
                $"GET {target} HTTP/1.1\r\nHost: a\r\n{extra}Connection: close\r\n\r\n");
            RawResponse head = await connection.ReadResponseAsync(isHead: true);
            RawResponse get = await connection.ReadResponseAsync();

            Assert.Empty(head.Body);
            Assert.Equal(get.StatusLine, head.StatusLine);
            Assert.Equal(Fields(get), Fields(head));
            Assert.Equal(get.Body.Length, head.ContentLength);
            Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        }

        // RFC 9110 §14.2: range handling is defined for GET only; HEAD ignores Range.
        RawResponse ranged = await server.GetAsync("/blocks.bin", "Range: bytes=10-20\r\n", "HEAD");
        Assert.Equal(200, ranged.Status);
        Assert.Equal(TestServer.BlocksLength, ranged.ContentLength);

        static string[] Fields(RawResponse response) => response.Headers
            .Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            .Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    [Fact]
    public async Task GetBodyIsDiscardedNotParsedAsARequest()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        string smuggled = "GET /random.bin HTTP/1.1\r\nHost: a\r\n\r\n";
        await connection.SendAsync(
            $"GET /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: {smuggled.Length}\r\n\r\n{smuggled}" +
            "GET /blocks.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=32-47\r\nConnection: close\r\n\r\n");

        RawResponse first = await connection.ReadResponseAsync();
        RawResponse second = await connection.ReadResponseAsync();
        byte[] rest = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(200, first.Status);
        Assert.Equal(TestServer.TinyText, first.BodyText);
        Assert.Equal(206, second.Status);
        Assert.Equal("X00000000000032\n", second.BodyText);
        Assert.True(rest.Length == 0, $"a third response came back: {TestServer.Ascii(rest[..Math.Min(200, rest.Length)])}");
    }

    [Fact]
    public async Task ManyPipelinedRequestsOverflowingTheReceiveBuffer()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        const int count = 120;
        var requests = new System.Text.StringBuilder();
        for (int i = 0; i < count; i++)
        {
            requests.Append($"GET /blocks.bin HTTP/1.1\r\nHost: a\r\nX-Request: {i}\r\nRange: bytes={i * 16}-{(i * 16) + 15}\r\n\r\n");
        }

        Assert.True(requests.Length > 8192);
        await connection.SendAsync(requests.ToString());
        for (int i = 0; i < count; i++)
        {
            RawResponse response = await connection.ReadResponseAsync();
            Assert.Equal(206, response.Status);
            Assert.Equal($"X{i * 16:D14}\n", response.BodyText);
        }
    }

    [Fact]
    public async Task RequestArrivingOneByteAtATimeIsParsed()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        foreach (char c in "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-4\r\n\r\n")
        {
            await connection.SendAsync(c.ToString());
            await Task.Delay(2);
        }

        RawResponse response = await connection.ReadResponseAsync();
        Assert.Equal(206, response.Status);
        Assert.Equal("hello", response.BodyText);
    }

    [Fact]
    public async Task NothingIsAnsweredAfterAConnectionCloseRequest()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync(
            "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" +
            "GET /blocks.bin HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(TestServer.TinyText, response.BodyText);
    }

    [Fact]
    public async Task ErrorResponsesFromTheHandlerKeepTheConnection()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(
            "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /blocks.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=99999999-\r\n\r\n" +
            "POST /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
            "GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(404, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(416, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(405, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(400, (await connection.ReadResponseAsync()).Status); // "../" after decoding: refused before any open
        RawResponse last = await connection.ReadResponseAsync();
        Assert.Equal(200, last.Status);
        Assert.Equal(TestServer.TinyText, last.BodyText);
    }

    [Fact]
    public async Task OversizedGetBodyIsRefusedAndTheConnectionCloses()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxDiscardedBodyBytes = 1024 });
        RawResponse response = await server.SendExpectingCloseAsync($"GET /tiny.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n{new string('x', 2000)}");

        Assert.Equal(413, response.Status);
    }

    [Fact]
    public async Task FieldNamesAreCaseInsensitiveAndValuesTrimmed()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(
            "GET /blocks.bin HTTP/1.1\r\nhost: a\r\nrange:bytes=16-31\r\n\r\n" +
            "GET /blocks.bin HTTP/1.1\r\nHOST: a\r\nRANGE: \t bytes=32-47 \t\r\nCONNECTION: Close\r\n\r\n");

        RawResponse first = await connection.ReadResponseAsync();
        RawResponse second = await connection.ReadResponseAsync();

        Assert.Equal("X00000000000016\n", first.BodyText);
        Assert.Equal("X00000000000032\n", second.BodyText);
        Assert.Equal("close", second.Header("Connection"));
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
    }
}
