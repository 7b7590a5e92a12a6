using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Conditional requests over the wire (RFC 9110 §13).
public sealed class PreconditionTests
{
    [Fact]
    public async Task IfNoneMatchWithTheETagGets304()
    {
        await using var server = TestServer.Start();
        RawResponse plain = await server.GetAsync("/blocks.bin");
        string etag = plain.RequireHeader("ETag");
        Assert.StartsWith("\"", etag, StringComparison.Ordinal);

        RawResponse response = await server.GetAsync("/blocks.bin", $"If-None-Match: {etag}\r\n");

        Assert.Equal(304, response.Status);
        Assert.Equal(etag, response.Header("ETag"));
        Assert.Empty(response.Body);

        // A weak comparison: W/ on the client's copy still matches (RFC 9110 §13.1.2).
        Assert.Equal(304, (await server.GetAsync("/blocks.bin", $"If-None-Match: \"other\", W/{etag}\r\n")).Status);
        Assert.Equal(200, (await server.GetAsync("/blocks.bin", "If-None-Match: \"other\"\r\n")).Status);
    }

    [Fact]
    public async Task IfModifiedSinceLastModifiedGets304()
    {
        await using var server = TestServer.Start();
        string lastModified = (await server.GetAsync("/tiny.txt")).RequireHeader("Last-Modified");

        RawResponse response = await server.GetAsync("/tiny.txt", $"If-Modified-Since: {lastModified}\r\n");

        Assert.Equal(304, response.Status);
        Assert.Empty(response.Body);
        Assert.NotNull(response.Header("ETag"));
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")).Status);
    }

    [Fact]
    public async Task NotModifiedKeepsTheConnectionUsable()
    {
        await using var server = TestServer.Start();
        string etag = (await server.GetAsync("/tiny.txt")).RequireHeader("ETag");
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(
            $"GET /tiny.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: {etag}\r\n\r\n" +
            "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.Equal(304, (await connection.ReadResponseAsync()).Status);
        RawResponse second = await connection.ReadResponseAsync();
        Assert.Equal(200, second.Status);
        Assert.Equal(TestServer.TinyText, second.BodyText);
    }

    [Fact]
    public async Task FailedPreconditionsGet412()
    {
        await using var server = TestServer.Start();
        string etag = (await server.GetAsync("/tiny.txt")).RequireHeader("ETag");

        Assert.Equal(412, (await server.GetAsync("/tiny.txt", "If-Match: \"nope\"\r\n")).Status);
        Assert.Equal(412, (await server.GetAsync("/tiny.txt", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")).Status);
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", $"If-Match: {etag}\r\n")).Status);
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", "If-Match: *\r\n")).Status);

        // If-Match takes precedence over If-None-Match (RFC 9110 §13.2.2 step 1 before step 3).
        Assert.Equal(412, (await server.GetAsync("/tiny.txt", $"If-Match: \"nope\"\r\nIf-None-Match: {etag}\r\n")).Status);
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task IfRangeDecidesWhetherTheRangeApplies(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        RawResponse plain = await server.GetAsync("/blocks.bin");
        string etag = plain.RequireHeader("ETag");

        RawResponse matching = await server.GetAsync("/blocks.bin", $"Range: bytes=160-175\r\nIf-Range: {etag}\r\n");
        Assert.Equal(206, matching.Status);
        Assert.Equal("X00000000000160\n", matching.BodyText);

        RawResponse mismatching = await server.GetAsync("/blocks.bin", "Range: bytes=160-175\r\nIf-Range: \"stale\"\r\n");
        Assert.Equal(200, mismatching.Status);
        Assert.Equal(TestServer.BlocksLength, mismatching.Body.Length);
        Assert.Null(mismatching.Header("Content-Range"));

        // A weak validator never matches If-Range (strong comparison, RFC 9110 §13.1.5).
        RawResponse weak = await server.GetAsync("/blocks.bin", $"Range: bytes=160-175\r\nIf-Range: W/{etag}\r\n");
        Assert.Equal(200, weak.Status);

        // A date validator applies only when it equals Last-Modified exactly (and is not too recent).
        File.SetLastWriteTimeUtc(server.PathOf("tiny.txt"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        Assert.Equal("Thu, 02 Jan 2020 03:04:05 GMT", (await server.GetAsync("/tiny.txt")).Header("Last-Modified"));
        RawResponse byDate = await server.GetAsync("/tiny.txt", "Range: bytes=0-4\r\nIf-Range: Thu, 02 Jan 2020 03:04:05 GMT\r\n");
        Assert.Equal(206, byDate.Status);
        Assert.Equal("hello", byDate.BodyText);
        RawResponse otherDate = await server.GetAsync("/tiny.txt", "Range: bytes=0-4\r\nIf-Range: Thu, 02 Jan 2020 03:04:06 GMT\r\n");
        Assert.Equal(200, otherDate.Status);
        Assert.Equal(TestServer.TinyText, otherDate.BodyText);
    }
}
