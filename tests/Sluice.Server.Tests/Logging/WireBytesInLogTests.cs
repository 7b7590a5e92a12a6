using System.Text.Json;
using Sluice.Core.Policy;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Logging;

// Non-ASCII bytes of a request (target, Referer, User-Agent) reach the log as the client sent
// them: \xHH of each byte in the text formats (nginx's log escaping), the UTF-8 text in JSON
// (nginx's escape=json), \xHH there for a byte that is not UTF-8. The parser keeps wire bytes as
// Latin-1 chars; the defect re-encoded those chars to UTF-8 (é logged as \xC3\x83\xC2\xA9).
public sealed class WireBytesInLogTests
{
    // "/café" as a client sends it in UTF-8, then a byte that is not UTF-8, held as the parser holds them.
    private const string Utf8Target = "/caf\u00C3\u00A9";
    private const string InvalidTarget = "/a\u00FFb";

    private static AccessLogEntry Entry(string target, string? userAgent = null) => new(
        new DateTimeOffset(2026, 3, 5, 7, 8, 9, 123, TimeSpan.Zero), "192.0.2.7:51234", "GET", target, "HTTP/1.1", 200, 10, "sendfile", "small",
        "completed", 1.0, BodyBytes: 5, Referer: null, UserAgent: userAgent);

    private static JsonElement Json(AccessLogEntry entry) =>
        JsonDocument.Parse(new AccessLogFormatter(AccessLogFormat.Json).Format(entry)).RootElement.Clone();

    [Theory]
    [InlineData(AccessLogFormat.Combined)]
    [InlineData(AccessLogFormat.Sluice)]
    public void TextFormatsEscapeEachWireByteAsItself(AccessLogFormat format)
    {
        string line = new AccessLogFormatter(format).Format(Entry(Utf8Target, userAgent: "agent \u00E2\u0080\u0094"));

        Assert.Contains("\"GET /caf\\xC3\\xA9 HTTP/1.1\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\xC3\\x83", line, StringComparison.Ordinal);
        if (format == AccessLogFormat.Combined)
        {
            Assert.EndsWith("\"agent \\xE2\\x80\\x94\"", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void JsonWritesValidUtf8BytesAsTheirCharacters()
    {
        JsonElement json = Json(Entry(Utf8Target, userAgent: "agent \u00E2\u0080\u0094"));

        Assert.Equal("/café", json.GetProperty("target").GetString());
        Assert.Equal("agent \u2014", json.GetProperty("user_agent").GetString());
    }

    [Fact]
    public void JsonWritesAByteThatIsNotUtf8AsBackslashXHH()
    {
        Assert.Equal("/a\\xFFb", Json(Entry(InvalidTarget)).GetProperty("target").GetString());
        Assert.Contains("\"GET /a\\xFFb HTTP/1.1\"", new AccessLogFormatter(AccessLogFormat.Combined).Format(Entry(InvalidTarget)), StringComparison.Ordinal);
    }

    // The parser refuses non-ASCII bytes in the target (400, logged "-"), but field values may
    // carry them (obs-text, RFC 9110 §5.5): a real User-Agent in UTF-8 goes through the same escaping.
    [Theory]
    [InlineData(AccessLogFormat.Combined)]
    [InlineData(AccessLogFormat.Json)]
    public async Task ARealRequestWithUtf8BytesInItsUserAgentIsLoggedByteForByte(AccessLogFormat format)
    {
        await using TestServer server = TestServer.Start(StrategyOption.Auto, o => o with { LogFormat = format });
        // RawHttpConnection sends each char as one byte: these are the UTF-8 bytes of "é".
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", "User-Agent: caf\u00C3\u00A9\r\n")).Status);

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains('\n'), TimeSpan.FromSeconds(5)), server.AccessLog);
        string line = server.AccessLog.Split('\n')[0];
        if (format == AccessLogFormat.Json)
        {
            Assert.Equal("café", JsonDocument.Parse(line).RootElement.GetProperty("user_agent").GetString());
        }
        else
        {
            Assert.EndsWith("\"caf\\xC3\\xA9\"", line, StringComparison.Ordinal);
        }
    }
}
