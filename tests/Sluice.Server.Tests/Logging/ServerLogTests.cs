using System.Text;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Logging;

public sealed class ServerLogTests
{
    [Fact]
    public async Task StalledOutputNeverBlocksTheCallerAndDropsAreCounted()
    {
        using var stalled = new StalledWriter();
        var log = new ServerLog(stalled, stalled, quiet: false, capacity: 16);

        // 2000 lines against an output that takes none: every call returns at once.
        Task writing = Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                log.Info($"line {i}");
                log.Access(new AccessLogEntry(DateTimeOffset.UtcNow, "127.0.0.1:1", "GET", "/x", "HTTP/1.1", 200, 1, "copy", "forced", "completed", 0.1));
            }
        });
        await writing.WaitAsync(TimeSpan.FromSeconds(10));

        // Each of the two writers (access, diagnostics) holds one line and its queue 16: the rest
        // were dropped and counted.
        Assert.InRange(log.DroppedLines, 2000 - 34, 2000 - 32);

        // Disposing does not wait on the stalled output beyond its deadline.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await log.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"dispose waited {clock.Elapsed}");
    }

    [Fact]
    public async Task DroppedLinesAreReportedOnceTheOutputMovesAgain()
    {
        using var stalled = new StalledWriter();
        var log = new ServerLog(stalled, stalled, quiet: false, capacity: 4);
        for (int i = 0; i < 50; i++)
        {
            log.Warn($"warning {i}");
        }

        long dropped = log.DroppedLines;
        Assert.True(dropped >= 45, $"only {dropped} dropped");
        stalled.Release();
        await log.DisposeAsync();

        Assert.Contains("sluice: warning: warning 0\n", stalled.Text, StringComparison.Ordinal);
        Assert.Contains($"sluice: warning: {dropped} log lines dropped", stalled.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a\" 200 0 \"forged", "/a\\x22 200 0 \\x22forged")]
    [InlineData("/line\r\n2026-01-01T00:00:00.000Z 1.2.3.4 \"GET / HTTP/1.1\" 200", "/line\\x0D\\x0A2026-01-01T00:00:00.000Z 1.2.3.4 \\x22GET / HTTP/1.1\\x22 200")]
    [InlineData("/back\\slash\u007f", "/back\\x5Cslash\\x7F")]
    [InlineData("/plain/path?q=1", "/plain/path?q=1")]
    public void AccessLogFieldsAreEscapedLikeNginx(string target, string logged)
    {
        string line = new AccessLogEntry(DateTimeOffset.UnixEpoch, "127.0.0.1:9", "GET", target, "HTTP/1.1", 404, 10, "inline", "-", "completed", 1).Format();

        Assert.Contains($"\"GET {logged} HTTP/1.1\" 404 10 ", line, StringComparison.Ordinal);
        Assert.Equal(2, line.Count(c => c == '"'));
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
    }

    [Fact]
    public async Task AQuoteInTheRequestTargetCannotForgeAccessLogFields()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync("GET /x\"y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains(" HTTP/1.1\" ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        string line = server.AccessLog.Split('\n')[0];
        Assert.Contains("\"GET /x\\x22y HTTP/1.1\" 404 ", line, StringComparison.Ordinal);
        Assert.Equal(404, response.Status);
        Assert.Equal(2, line.Count(c => c == '"'));
    }

    // An output that blocks every write until released, like a pipe nobody reads.
    private sealed class StalledWriter : TextWriter
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void Release() => _gate.Set();

        public override void Write(char value)
        {
            _gate.Wait();
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            _gate.Wait();
            lock (_text)
            {
                _text.Append(value).Append('\n');
            }
        }

        protected override void Dispose(bool disposing)
        {
            _gate.Set();
            base.Dispose(disposing);
        }
    }
}
