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

        string text = await ScrapeAsync(server.Server.MetricsEndPoint!.Port);

        Assert.Equal(1, Value(text, "sluice_responses_total{strategy=\"buffered\"}"));
        Assert.True(Value(text, "sluice_bytes_sent_total{strategy=\"buffered\"}") > TestServer.RandomLength);
        // The classic loop: one pread per 32 KiB chunk.
        double preads = Value(text, "sluice_syscalls_total{strategy=\"buffered\",kind=\"pread\"}");
        Assert.Equal(Math.Ceiling(TestServer.RandomLength / (32.0 * 1024)), preads);
        Assert.Equal(TestServer.RandomLength, Value(text, "sluice_disk_bytes_read_total{strategy=\"buffered\"}"));
        Assert.Equal(1, Value(text, "sluice_decisions_total{strategy=\"buffered\",reason=\"forced\"}"));
        Assert.True(Value(text, "sluice_open_file_cache_misses_total") >= 1);
        Assert.True(Value(text, "process_cpu_seconds_total{mode=\"user\"}") > 0);
        Assert.Matches(new Regex(@"^process_context_switches_total\{kind=""voluntary""\} \d+$", RegexOptions.Multiline), text);
        Assert.Contains("# TYPE sluice_syscalls_total counter", text);
    }

    [Fact]
    public async Task OtherPathsAre404()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { MetricsEndpoint = "127.0.0.1:0" });
        string response = await RequestAsync(server.Server.MetricsEndPoint!.Port, "GET /secret.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 404", response, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        string response = await RequestAsync(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain; version=0.0.4", response);
        return response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
    }

    private static async Task<string> RequestAsync(int port, string request)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
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
