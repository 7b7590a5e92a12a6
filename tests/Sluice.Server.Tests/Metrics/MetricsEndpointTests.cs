using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Metrics;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task PrometheusTextCountsWhatTheMechanismsDid()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Buffered, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        RawResponse file = await server.GetAsync("/random.bin");
        Assert.Equal(200, file.Status);

        // The server runs in this process here, so its CPU time is bracketed by this process's
        // own before and after the scrape (the CLI tests check it against a separate server).
        Sluice.Server.Metrics.ProcessStats before = Sluice.Server.Metrics.ProcessStats.ReadSelf();
        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);
        Sluice.Server.Metrics.ProcessStats after = Sluice.Server.Metrics.ProcessStats.ReadSelf();

        Assert.Equal(1, Value(text, "sluice_responses_total{strategy=\"buffered\"}"));
        Assert.True(Value(text, "sluice_bytes_sent_total{strategy=\"buffered\"}") > TestServer.RandomLength);
        // The classic loop: one read per 32 KiB chunk, each tried first with preadv2(RWF_NOWAIT).
        double preads = Value(text, "sluice_syscalls_total{strategy=\"buffered\",kind=\"preadv2\"}");
        Assert.Equal(Math.Ceiling(TestServer.RandomLength / (32.0 * 1024)), preads);
        Assert.Equal(TestServer.RandomLength, Value(text, "sluice_disk_bytes_read_total{strategy=\"buffered\"}"));
        Assert.Equal(1, Value(text, "sluice_decisions_total{strategy=\"buffered\",reason=\"forced\"}"));
        Assert.True(Value(text, "sluice_open_file_cache_misses_total") >= 1);
        Assert.InRange(Value(text, "sluice_process_cpu_seconds_total{mode=\"user\"}"), before.UserSeconds, after.UserSeconds);
        Assert.InRange(Value(text, "sluice_process_cpu_seconds_total{mode=\"system\"}"), before.SystemSeconds, after.SystemSeconds);
        Assert.InRange(Value(text, "process_cpu_seconds_total"), before.UserSeconds + before.SystemSeconds - 1e-9, after.UserSeconds + after.SystemSeconds + 1e-9);
        Assert.Matches(new Regex(@"^process_context_switches_total\{kind=""voluntary""\} \d+$", RegexOptions.Multiline), text);
        Assert.Contains("# TYPE sluice_syscalls_total counter", text);
    }

    // The server runs in this process, so each runtime figure it reports is bracketed by the same
    // figure read here before and after the scrape: a series wired to the wrong source (or left
    // at zero) falls outside the bracket.
    [Fact]
    public async Task RuntimeFiguresAreTheProcesssOwn()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        // The heartbeat (every 250 ms) must have ticked at least once for its series to be checked.
        Assert.True(await Wait.UntilAsync(() => server.Server.Counters.HeartbeatTicks > 0, TimeSpan.FromSeconds(5)));

        long allocatedBefore = GC.GetTotalAllocatedBytes();
        int gen0Before = GC.CollectionCount(0);
        double pauseBefore = GC.GetTotalPauseDuration().TotalSeconds;
        long itemsBefore = ThreadPool.CompletedWorkItemCount;
        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);
        long allocatedAfter = GC.GetTotalAllocatedBytes();
        int gen0After = GC.CollectionCount(0);
        double pauseAfter = GC.GetTotalPauseDuration().TotalSeconds;
        long itemsAfter = ThreadPool.CompletedWorkItemCount;

        Assert.InRange(Value(text, "dotnet_gc_allocated_bytes_total"), allocatedBefore, allocatedAfter);
        Assert.InRange(Value(text, "dotnet_gc_collections_total{generation=\"0\"}"), Math.Max(1, gen0Before), gen0After);
        Assert.InRange(Value(text, "dotnet_gc_pause_seconds_total"), pauseBefore, pauseAfter);
        Assert.True(pauseBefore > 0, "a forced collection paused the process, so the total pause is positive");
        Assert.InRange(Value(text, "dotnet_threadpool_completed_items_total"), itemsBefore, itemsAfter);
        Assert.True(Value(text, "dotnet_threadpool_threads") >= 1);
        Assert.True(Value(text, "dotnet_monitor_lock_contention_total") >= 0);
        Assert.Equal(1, Value(text, $"dotnet_gc_info{{mode=\"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}\",latency=\"{System.Runtime.GCSettings.LatencyMode.ToString().ToLowerInvariant()}\"}}"));

        // Resident memory is statm's page count times the page size: within a factor of two of the
        // runtime's own working set (from /proc/self/stat), so a count of pages would fail.
        long workingSet = Environment.WorkingSet;
        Assert.InRange(Value(text, "process_resident_memory_bytes"), workingSet / 2.0, workingSet * 2.0);
        Assert.True(Value(text, "process_open_fds") >= 3);
        Assert.True(Value(text, "sluice_heartbeat_ticks_total") >= 1);
        Assert.True(Value(text, "sluice_heartbeat_seconds_total") > 0);
    }

    [Fact]
    public async Task OtherPathsAre404()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        RawResponse response = await RequestAsync(server.Server.MetricsEndPoint!.Port, "GET /secret.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task RefusalsAndTimeoutsAreCounted()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with
        {
            MetricsEndpoint = "127.0.0.1:0",
            MaxConnections = 1,
            HeaderTimeout = TimeSpan.FromSeconds(1),
        });
        await using (RawHttpConnection held = await server.ConnectAsync())
        {
            await held.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await held.ReadResponseAsync()).Status);
            Assert.Equal(503, (await server.GetAsync("/tiny.txt")).Status);
        }

        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(414, (await server.SendExpectingCloseAsync($"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: a\r\n\r\n")).Status);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        await using (RawHttpConnection silent = await server.ConnectAsync())
        {
            Assert.Empty(await silent.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        }

        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);

        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"503\",reason=\"connection_limit\"}"));
        Assert.Equal(0, Value(text, "sluice_requests_refused_total{status=\"503\",reason=\"address_limit\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"414\",reason=\"request_line_too_long\"}"));
        Assert.Equal(0, Value(text, "sluice_requests_refused_total{status=\"408\",reason=\"header_timeout\"}"));
        Assert.Equal(1, Value(text, "sluice_connections_timed_out_total{reason=\"header\"}"));
        Assert.Equal(0, Value(text, "sluice_log_lines_dropped_total"));
    }

    [Fact]
    public async Task TheMetricsListenerIsBounded()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        int port = server.Server.MetricsEndPoint!.Port;

        // A head larger than the limit is not answered.
        await using (RawHttpConnection big = await RawHttpConnection.ConnectAsync(port))
        {
            await big.SendAsync($"GET /metrics HTTP/1.1\r\nX: {new string('a', 9000)}");
            Assert.Empty(await big.ReadToEndAsync(TimeSpan.FromSeconds(10)));
        }

        // Silent connections take at most MaxConnections handlers; one more is closed at once.
        var silent = new List<RawHttpConnection>();
        try
        {
            for (int i = 0; i < Sluice.Server.Hosting.MetricsListener.MaxConnections; i++)
            {
                silent.Add(await RawHttpConnection.ConnectAsync(port));
            }

            await using RawHttpConnection extra = await RawHttpConnection.ConnectAsync(port);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Empty(await extra.ReadToEndAsync(TimeSpan.FromSeconds(10)));
            Assert.True(clock.Elapsed < Sluice.Server.Hosting.MetricsListener.RequestTimeout, $"the extra connection was held {clock.Elapsed}");

            // The silent ones are closed by the request timeout, and scraping works again.
            foreach (RawHttpConnection connection in silent)
            {
                Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            foreach (RawHttpConnection connection in silent)
            {
                await connection.DisposeAsync();
            }
        }

        Assert.Contains("sluice_connections_active", await ScrapeAsync(port), StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        RawResponse response = await RequestAsync(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, response.Status);
        Assert.StartsWith("text/plain; version=0.0.4", response.Header("Content-Type"), StringComparison.Ordinal);
        return response.BodyText;
    }

    // One request; the response read until the listener closes, its head by the core parser.
    private static async Task<RawResponse> RequestAsync(int port, string request)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cts.Token);
        return RawResponse.Parse(received.ToArray());
    }

    private static double Value(string text, string series)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no series {series} in\n{text}");
    }
}
