using System.Globalization;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Infrastructure.MetricsScrape;

namespace Sluice.Server.Tests.Metrics;

public sealed class HttpMetricsTests
{
    [Fact]
    public async Task StatusClassesAndTheLatencyHistogramCountKnownRequests()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        RawResponse full = await server.GetAsync("/tiny.txt");
        Assert.Equal(200, full.Status);
        Assert.Equal(200, (await server.GetAsync("/blocks.bin")).Status);
        Assert.Equal(206, (await server.GetAsync("/blocks.bin", "Range: bytes=0-9\r\n")).Status);
        Assert.Equal(304, (await server.GetAsync("/tiny.txt", $"If-None-Match: {full.Header("ETag")}\r\n")).Status);
        Assert.Equal(404, (await server.GetAsync("/missing")).Status);
        Assert.Equal(404, (await server.GetAsync("/missing2", method: "HEAD")).Status);

        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);

        Assert.Equal(0, Value(text, "sluice_http_responses_total{class=\"1xx\"}"));
        Assert.Equal(3, Value(text, "sluice_http_responses_total{class=\"2xx\"}"));
        Assert.Equal(1, Value(text, "sluice_http_responses_total{class=\"3xx\"}"));
        Assert.Equal(2, Value(text, "sluice_http_responses_total{class=\"4xx\"}"));
        Assert.Equal(0, Value(text, "sluice_http_responses_total{class=\"5xx\"}"));
        Assert.Contains("# TYPE sluice_http_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Equal(6, Value(text, "sluice_http_request_duration_seconds_count"));
        Assert.Equal(6, Value(text, "sluice_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.True(Value(text, "sluice_http_request_duration_seconds_sum") > 0);

        // Cumulative buckets: never decreasing, ending at the count.
        double previous = 0;
        foreach (double le in Sluice.Server.Metrics.HttpResponseCounters.Buckets)
        {
            double bucket = Value(text, $"sluice_http_request_duration_seconds_bucket{{le=\"{le.ToString(CultureInfo.InvariantCulture)}\"}}");
            Assert.True(bucket >= previous, $"le={le}: {bucket} < {previous}");
            previous = bucket;
        }

        Assert.True(previous <= 6);
    }

    [Fact]
    public void HistogramPutsEachObservationInItsBucket()
    {
        var counters = new Sluice.Server.Metrics.HttpResponseCounters();
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        // Started 2 s ago: above le=1, within le=2.5 (seven buckets above 0.1 s later).
        counters.Observe(200, now - (2 * System.Diagnostics.Stopwatch.Frequency));
        counters.Observe(503, now - (120 * System.Diagnostics.Stopwatch.Frequency));

        int oneSecond = Array.IndexOf(Sluice.Server.Metrics.HttpResponseCounters.Buckets, 1.0);
        Assert.Equal(0, counters.BucketCount(oneSecond));
        Assert.Equal(1, counters.BucketCount(oneSecond + 1));
        Assert.Equal(1, counters.BucketCount(Sluice.Server.Metrics.HttpResponseCounters.Buckets.Length)); // +Inf
        Assert.Equal(1, counters.Class(2));
        Assert.Equal(1, counters.Class(5));
        Assert.InRange(counters.SumSeconds, 122, 123);
    }

    // 400, 408, 413, 414, 431 and 503: each answered, written to the access log with its status,
    // and counted both as a refusal (by reason) and in the status classes.
    [Fact]
    public async Task RefusalsAreLoggedAndCounted()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with
        {
            MetricsEndpoint = "127.0.0.1:0",
            MaxConnections = 1,
            HeaderTimeout = TimeSpan.FromSeconds(1),
        });
        Assert.Equal(400, (await server.SendExpectingCloseAsync("GET /tiny.txt HTTP/1.1\r\n\r\n")).Status);
        Assert.Equal(414, (await server.SendExpectingCloseAsync($"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: a\r\n\r\n")).Status);
        Assert.Equal(431, (await server.SendExpectingCloseAsync($"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 40 * 1024)}\r\n\r\n")).Status);
        Assert.Equal(413, (await server.SendExpectingCloseAsync("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")).Status);
        Assert.Equal(408, (await server.SendExpectingCloseAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n")).Status);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        await using (RawHttpConnection held = await server.ConnectAsync())
        {
            await held.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await held.ReadResponseAsync()).Status);
            Assert.Equal(503, (await server.GetAsync("/tiny.txt")).Status);
        }

        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"400\",reason=\"missing_host\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"414\",reason=\"request_line_too_long\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"431\",reason=\"headers_too_large\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"413\",reason=\"body_too_large\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"408\",reason=\"header_timeout\"}"));
        Assert.Equal(1, Value(text, "sluice_requests_refused_total{status=\"503\",reason=\"connection_limit\"}"));
        Assert.Equal(5, Value(text, "sluice_http_responses_total{class=\"4xx\"}"));
        Assert.Equal(1, Value(text, "sluice_http_responses_total{class=\"5xx\"}"));
        Assert.Equal(1, Value(text, "sluice_http_responses_total{class=\"2xx\"}"));

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 7, TimeSpan.FromSeconds(5)), server.AccessLog);
        string[] statuses = server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("\" ", 2)[1].Split(' ')[0]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["200", "400", "408", "413", "414", "431", "503"], statuses);
        Assert.Contains("\"-\" 503 ", server.AccessLog, StringComparison.Ordinal);
        Assert.Contains("reason=connection_limit", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandardProcessMetricsArePresentAndPlausible()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        DateTimeOffset started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);

        Assert.True(Value(text, "process_resident_memory_bytes") > 1024 * 1024);
        double open = Value(text, "process_open_fds");
        Assert.True(open > 3, $"{open} descriptors");
        Assert.Equal(MaxOpenFilesFromProc(), Value(text, "process_max_fds"));
        Assert.True(Value(text, "process_max_fds") >= open);
        Assert.True(Value(text, "process_cpu_seconds_total") > 0);
        // The test process's own start (the server runs in it), to the millisecond.
        Assert.Equal(started.ToUnixTimeMilliseconds() / 1000.0, Value(text, "process_start_time_seconds"), 2);
        Assert.InRange(Value(text, "process_start_time_seconds"), DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        foreach (string name in new[] { "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_cpu_seconds_total", "process_start_time_seconds" })
        {
            Assert.Single(text.Split('\n'), line => line.StartsWith("# TYPE " + name + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("/metrics?x=1")]
    [InlineData("/metrics?")]
    [InlineData("/metrics?name[]=process_open_fds")]
    public async Task AQueryOnTheScrapePathIsIgnored(string target)
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port, target);
        Assert.True(Value(text, "process_open_fds") > 0);
    }

    // /proc/self/limits: "Max open files            1048576              1048576              files"
    private static double MaxOpenFilesFromProc()
    {
        string line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        string soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : double.Parse(soft, CultureInfo.InvariantCulture);
    }
}
