using System.Diagnostics;
using Sluice.Core.Policy;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Logging;

public sealed class AccessLogFileTests : IDisposable
{
    private readonly string _directory = DiskDirectory.NewPath("sluice-accesslog-");

    public AccessLogFileTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // logrotate's default: rename the file, then signal; the server must move to a new file of the
    // old name, and every line must land in one of the two — none lost, none twice.
    [Fact]
    public async Task ReopenAfterARenameSendsNewLinesToTheNewFileAndLosesNone()
    {
        string path = Path.Combine(_directory, "access.log");
        string rotated = path + ".1";
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, createLog: d =>
            new ServerLog(AccessLogFile.Open(path), d, quiet: false, reopenAccess: () => AccessLogFile.Open(path)));
        var log = (ServerLog)server.Server.Log;

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(404, (await server.GetAsync($"/before-{i}")).Status);
        }

        Assert.True(await Wait.UntilAsync(() => CountLines(path) == 5, TimeSpan.FromSeconds(5)), File.ReadAllText(path));
        File.Move(path, rotated);
        log.ReopenAccessLog();
        for (int i = 0; i < 7; i++)
        {
            Assert.Equal(404, (await server.GetAsync($"/after-{i}")).Status);
        }

        Assert.True(await Wait.UntilAsync(() => File.Exists(path) && CountLines(path) == 7, TimeSpan.FromSeconds(5)));
        string[] old = File.ReadAllLines(rotated);
        string[] fresh = File.ReadAllLines(path);
        Assert.Equal(5, old.Length);
        Assert.All(old, line => Assert.Contains("\"GET /before-", line, StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"\"GET /after-{i} HTTP/1.1\" 404"), fresh.Select(l => l[l.IndexOf('"')..(l.IndexOf('"') + 27)]));
        Assert.Equal(0, log.DroppedLines);
    }

    // O_APPEND: after `logrotate copytruncate` empties the file under the server, the next line is
    // written at the new end (offset 0), not at the old offset behind a hole of zeros.
    [Fact]
    public async Task LinesGoToTheEndAfterTheFileIsTruncated()
    {
        string path = Path.Combine(_directory, "append.log");
        await using (var log = new ServerLog(AccessLogFile.Open(path), TextWriter.Null, quiet: false))
        {
            log.Access(Entry("/first"));
            Assert.True(await Wait.UntilAsync(() => new FileInfo(path).Length > 0, TimeSpan.FromSeconds(5)));
            File.WriteAllBytes(path, []);
            log.Access(Entry("/second"));
        }

        string text = File.ReadAllText(path);
        Assert.StartsWith(DateTimeOffset.UnixEpoch.ToString("yyyy"), text, StringComparison.Ordinal);
        Assert.Contains("/second", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', text);
    }

    [Fact]
    public void AnUnwritablePathIsAOneLineError()
    {
        var ex = Assert.Throws<IOException>(() => AccessLogFile.Open(Path.Combine(_directory, "no-such-dir", "a.log")));
        Assert.Contains("no-such-dir", ex.Message, StringComparison.Ordinal);
    }

    // An access log on a FIFO whose reader never reads: the pipe (64 KiB) fills, the access
    // writer thread blocks in write(2), its queue fills — and requests are still answered at
    // once, the lost lines are counted in /metrics and reported on the diagnostics output.
    [Fact]
    public async Task AStalledAccessLogNeverBlocksRequestsAndCountsDrops()
    {
        string fifo = Path.Combine(_directory, "access.fifo");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // open(O_RDONLY) of a FIFO waits for a writer; the log's non-blocking open fails (ENXIO)
        // until that reader has entered its open, so it is retried for a moment.
        Task<FileStream> reader = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Read));
        try
        {
            TextWriter? log = null;
            Assert.True(await Wait.UntilAsync(() =>
            {
                try
                {
                    log = AccessLogFile.Open(fifo);
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(10)));
            await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" }, d =>
                new ServerLog(log!, d, quiet: false, capacity: 8));
            await reader.WaitAsync(TimeSpan.FromSeconds(10));

            // 4 KiB targets: 40 lines are 160 KiB, more than the pipe and the queue can hold.
            string longTarget = "/" + new string('x', 4000);
            await using RawHttpConnection connection = await server.ConnectAsync();
            for (int i = 0; i < 40; i++)
            {
                await connection.SendAsync($"GET {longTarget}{i} HTTP/1.1\r\nHost: a\r\n\r\n");
                Assert.Equal(404, (await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))).Status);
            }

            Assert.True(await Wait.UntilAsync(() => server.Server.Log.DroppedLines > 0, TimeSpan.FromSeconds(5)));
            string text = await MetricsScrape.ScrapeAsync(server.Server.MetricsEndPoint!.Port);
            Assert.True(MetricsScrape.Value(text, "sluice_log_lines_dropped_total") > 0, text);
            Assert.True(
                await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("log lines dropped (output too slow)", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
                server.DiagnosticsLog);
        }
        finally
        {
            // Closing the read end unblocks the writer (EPIPE), whatever state the test ended in.
            if (reader.IsCompletedSuccessfully)
            {
                await (await reader).DisposeAsync();
            }
        }
    }

    // Found by a hostile review: the log's open waited for a reader, so a server given a FIFO
    // nobody reads hung at start, before listening, and said nothing.
    [Fact]
    public async Task AFifoWithNoReaderIsAnErrorAtOnceNotAHang()
    {
        string fifo = Path.Combine(_directory, "unread.fifo");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<IOException> open = Task.Run(() => Assert.Throws<IOException>(() => AccessLogFile.Open(fifo)));
        IOException ex = await open.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("no reader", ex.Message, StringComparison.Ordinal);
    }

    private static AccessLogEntry Entry(string target) =>
        new(DateTimeOffset.UnixEpoch, "127.0.0.1:1", "GET", target, "HTTP/1.1", 200, 10, "inline", "-", "completed", 0.5);

    private static int CountLines(string path)
    {
        try
        {
            return File.ReadAllLines(path).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }
}
