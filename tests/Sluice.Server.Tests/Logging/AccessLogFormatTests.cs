using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Sluice.Core.Policy;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Logging;

public sealed partial class AccessLogFormatTests
{
    private static readonly AccessLogEntry s_known = new(
        new DateTimeOffset(2026, 3, 5, 7, 8, 9, 123, TimeSpan.Zero), "192.0.2.7:51234", "GET", "/a b\"c", "HTTP/1.1", 206, 1324, "sendfile", "small",
        "completed", 1.25, BodyBytes: 1000, Referer: "http://r.example/?q=1", UserAgent: "curl/8.5.0 \"x\"");

    // The regex a log analyser uses for Apache/nginx combined lines (GoAccess's COMBINED, fail2ban's
    // apache-common): host, ident, user, [time], "request", status, bytes, "referer", "agent".
    [GeneratedRegex("""^(?<host>\S+) (?<ident>\S+) (?<user>\S+) \[(?<time>[^\]]+)\] "(?<request>(?:[^"\\]|\\.)*)" (?<status>\d{3}) (?<bytes>\d+|-) "(?<referer>(?:[^"\\]|\\.)*)" "(?<agent>(?:[^"\\]|\\.)*)"$""")]
    private static partial Regex Combined();

    [Fact]
    public void CombinedLineIsExactlyApachesWithBodyBytes()
    {
        string line = AccessLogFormatter.Combined(s_known);

        Assert.Equal("192.0.2.7 - - [05/Mar/2026:07:08:09 +0000] \"GET /a b\\x22c HTTP/1.1\" 206 1000 \"http://r.example/?q=1\" \"curl/8.5.0 \\x22x\\x22\"", line);
        Match m = Combined().Match(line);
        Assert.True(m.Success, line);
        Assert.Equal("192.0.2.7", m.Groups["host"].Value);
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 7, 8, 9, TimeSpan.Zero), DateTimeOffset.ParseExact(m.Groups["time"].Value, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture));
        Assert.Equal("206", m.Groups["status"].Value);
        Assert.Equal("1000", m.Groups["bytes"].Value); // the body, not the 1324 bytes on the wire
    }

    [Theory]
    [InlineData("[::1]:8080", "::1")]
    [InlineData("10.1.2.3:80", "10.1.2.3")]
    [InlineData("-", "-")]
    public void CombinedHostIsTheAddressWithoutThePort(string remote, string host)
    {
        Assert.StartsWith(host + " - - [", AccessLogFormatter.Combined(s_known with { Remote = remote }), StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusalWithoutARequestLineIsADashInEveryFormat()
    {
        AccessLogEntry refused = s_known with { Method = "", Target = "", Version = "", Status = 503, Referer = null, UserAgent = null };

        Assert.Matches(Combined(), AccessLogFormatter.Combined(refused));
        Assert.Contains(" \"-\" 503 1000 \"-\" \"-\"", AccessLogFormatter.Combined(refused), StringComparison.Ordinal);
        Assert.Contains(" \"-\" 503 1324 strategy=", refused.Format(), StringComparison.Ordinal);
        JsonLine json = ParseJson(new AccessLogFormatter(AccessLogFormat.Json).Format(refused));
        Assert.Null(json.Method);
        Assert.Equal(503, json.Status);
    }

    [Fact]
    public void JsonLineHasEveryFieldAndParses()
    {
        string line = new AccessLogFormatter(AccessLogFormat.Json).Format(s_known);

        Assert.DoesNotContain('\n', line);
        JsonLine json = ParseJson(line);
        Assert.Equal("2026-03-05T07:08:09.123Z", json.Time);
        Assert.Equal("192.0.2.7:51234", json.Remote);
        Assert.Equal("GET", json.Method);
        Assert.Equal("/a b\"c", json.Target); // JSON's own escaping, decoded back exactly
        Assert.Equal("HTTP/1.1", json.Protocol);
        Assert.Equal(206, json.Status);
        Assert.Equal(1000, json.Bytes);
        Assert.Equal(1324, json.BytesSent);
        Assert.Equal("http://r.example/?q=1", json.Referer);
        Assert.Equal("curl/8.5.0 \"x\"", json.UserAgent);
        Assert.Equal("sendfile", json.Strategy);
        Assert.Equal("small", json.Reason);
        Assert.Equal("completed", json.Outcome);
        Assert.Equal(1.25, json.DurationMs);
    }

    [Fact]
    public void SluiceFormatIsKept()
    {
        Assert.Equal(
            "2026-03-05T07:08:09.123Z 192.0.2.7:51234 \"GET /a b\\x22c HTTP/1.1\" 206 1324 strategy=sendfile reason=small outcome=completed 1.25ms",
            new AccessLogFormatter(AccessLogFormat.Sluice).Format(s_known));
    }

    // A real request through the server: the referer and user agent come from the request head,
    // and %b is the file's length while the head made the response longer.
    [Fact]
    public async Task CombinedLineOfARealRequestCarriesBodyBytesRefererAndAgent()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { LogFormat = AccessLogFormat.Combined });
        RawResponse response = await server.GetAsync("/tiny.txt", "Referer: http://ref.example/page\r\nUser-Agent: test-agent/1.0 (x; y)\r\n");
        Assert.Equal(200, response.Status);

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains('\n'), TimeSpan.FromSeconds(5)));
        string line = server.AccessLog.Split('\n')[0];
        Match m = Combined().Match(line);
        Assert.True(m.Success, line);
        Assert.Equal("127.0.0.1", m.Groups["host"].Value);
        Assert.Equal("GET /tiny.txt HTTP/1.1", m.Groups["request"].Value);
        Assert.Equal("200", m.Groups["status"].Value);
        Assert.Equal(TestServer.TinyText.Length.ToString(CultureInfo.InvariantCulture), m.Groups["bytes"].Value);
        Assert.Equal("http://ref.example/page", m.Groups["referer"].Value);
        Assert.Equal("test-agent/1.0 (x; y)", m.Groups["agent"].Value);
    }

    [Fact]
    public async Task JsonLineOfARealRequestSeparatesBodyFromHeadBytes()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { LogFormat = AccessLogFormat.Json });
        Assert.Equal(200, (await server.GetAsync("/blocks.bin", "User-Agent: j\r\n")).Status);
        Assert.Equal(404, (await server.GetAsync("/missing")).Status);

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, TimeSpan.FromSeconds(5)), server.AccessLog);
        string[] lines = server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        JsonLine file = ParseJson(lines[0]);
        Assert.Equal(200, file.Status);
        Assert.Equal(TestServer.BlocksLength, file.Bytes);
        Assert.InRange(file.BytesSent - file.Bytes, 100, 1000); // the head: a few hundred bytes
        Assert.Equal("sendfile", file.Strategy);
        Assert.Equal("forced", file.Reason);
        Assert.Equal("j", file.UserAgent);
        Assert.Null(file.Referer);
        Assert.True(file.DurationMs > 0);

        JsonLine missing = ParseJson(lines[1]);
        Assert.Equal(404, missing.Status);
        Assert.Equal("/missing", missing.Target);
        Assert.Equal("inline", missing.Strategy);
        Assert.True(missing.Bytes > 0 && missing.Bytes < missing.BytesSent);
    }

    private static JsonLine ParseJson(string line) =>
        JsonSerializer.Deserialize(line, AccessLogJsonContext.Default.JsonLine) ?? throw new Xunit.Sdk.XunitException($"null from {line}");

    // The fields a consumer reads, bound by a source-generated context (no reflection: what an
    // AOT-compiled consumer would use). Unknown fields would fail: every field is listed.
    internal sealed record JsonLine(
        [property: JsonPropertyName("time")] string Time,
        [property: JsonPropertyName("remote")] string Remote,
        [property: JsonPropertyName("user")] string? User,
        [property: JsonPropertyName("method")] string? Method,
        [property: JsonPropertyName("target")] string? Target,
        [property: JsonPropertyName("protocol")] string? Protocol,
        [property: JsonPropertyName("status")] int Status,
        [property: JsonPropertyName("bytes")] long Bytes,
        [property: JsonPropertyName("bytes_sent")] long BytesSent,
        [property: JsonPropertyName("referer")] string? Referer,
        [property: JsonPropertyName("user_agent")] string? UserAgent,
        [property: JsonPropertyName("strategy")] string Strategy,
        [property: JsonPropertyName("reason")] string Reason,
        [property: JsonPropertyName("outcome")] string Outcome,
        [property: JsonPropertyName("duration_ms")] double DurationMs);

    [JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
    [JsonSerializable(typeof(JsonLine))]
    internal sealed partial class AccessLogJsonContext : JsonSerializerContext;
}
