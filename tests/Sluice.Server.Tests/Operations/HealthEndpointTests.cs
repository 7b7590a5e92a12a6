using System.Net.Sockets;
using System.Text;
using Sluice.Core.Auth;
using Sluice.Core.Policy;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Operations;

// /-/health, what a balancer's health check asks (deploy/haproxy.cfg): 200 "ok" on the main
// listener and on the metrics listener, without credentials, and no access-log line.
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task TheMainListenerAnswersOkWithoutCredentialsAndDoesNotLogIt()
    {
        var auth = new AuthOptions { Entries = ["bob:" + Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations)] };
        await using TestServer server = TestServer.Start(configure: o => o with { Auth = auth });

        RawResponse health = await server.GetAsync("/-/health");
        Assert.Equal(200, health.Status);
        Assert.Equal("ok\n", health.BodyText);
        Assert.StartsWith("text/plain", health.RequireHeader("Content-Type"), StringComparison.Ordinal);

        // A query is ignored; HEAD carries the length but no content.
        RawResponse head = await server.GetAsync("/-/health?check=1", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal(3, head.ContentLength);
        Assert.Empty(head.Body);

        // Access control still holds for everything else: the check is no way around it.
        Assert.Equal(401, (await server.GetAsync("/tiny.txt")).Status);
        Assert.Equal(401, (await server.GetAsync("/-/healthz")).Status);

        // The 401s are logged, the checks are not.
        string log = server.AccessLog;
        Assert.Contains("/tiny.txt", log);
        Assert.DoesNotContain("/-/health ", log);
        Assert.DoesNotContain("/-/health?", log);
    }

    [Fact]
    public async Task ItShadowsAServedFileAtThatPath()
    {
        await using TestServer server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf("-"));
        File.WriteAllText(server.PathOf("-/health"), "a file, not the check\n");

        Assert.Equal("ok\n", (await server.GetAsync("/-/health")).BodyText);
        // Other names under /-/ are still files.
        File.WriteAllText(server.PathOf("-/other"), "served\n");
        Assert.Equal("served\n", (await server.GetAsync("/-/other")).BodyText);
    }

    [Fact]
    public async Task TheMetricsListenerAnswersOkToo()
    {
        await using TestServer server = TestServer.Start(configure: o => o with { MetricsEndpoint = "127.0.0.1:0" });
        string response = await RequestAsync(server.Server.MetricsEndPoint!.Port, "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain; charset=utf-8\r\n", response);
        Assert.EndsWith("\r\n\r\nok\n", response, StringComparison.Ordinal);
    }

    // A stopping server closes its main listener at once (checks to it are refused) but drains
    // transfers in flight for up to the shutdown timeout; meanwhile the metrics listener answers
    // the check with 503, so a balancer checking there takes the node out during the drain.
    [Fact]
    public async Task WhileDrainingTheMetricsListenerAnswers503()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Buffered, o => o with
        {
            MetricsEndpoint = "127.0.0.1:0",
            ShutdownTimeout = TimeSpan.FromSeconds(30),
            MinSendRate = 0,
        });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 64L * 1024 * 1024);
        int metricsPort = server.Server.MetricsEndPoint!.Port;

        // A download the client does not read: the server's send blocks, so the drain waits for it.
        await using RawHttpConnection download = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        await download.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await download.ReadHeadAsync()).Status);

        Task stopping = server.Server.StopAsync();
        Assert.True(server.Server.IsStopping);
        string response = await RequestAsync(metricsPort, "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nstopping\n", response, StringComparison.Ordinal);
        Assert.False(stopping.IsCompleted, "the drain ended before the check: the 503 was not seen during it");

        download.Abort();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
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
}
