using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Policy;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tests.Tls;

namespace Sluice.Server.Tests.Operations;

// A connection's slot (--max-connections, --max-connections-per-address) must be free again by
// the time the client sees the connection end: a client that connects again at once, strictly
// after the previous connection closed, must not be refused by that previous connection. Every
// cycle here connects only after the server's close was read (nothing waits for the server's
// bookkeeping), so a slot released after the close shows up as a 503.
public sealed class ConnectionSlotTests
{
    private const int Cycles = 300;

    private static readonly string s_tiny = Sha256(Encoding.UTF8.GetBytes(TestServer.TinyText));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1000, 1)]
    [InlineData(1, 1)]
    public async Task SequentialConnectionsAreAllServed(int maxConnections, int maxPerAddress)
    {
        await using TestServer server = TestServer.Start(configure: o => o with { MaxConnections = maxConnections, MaxConnectionsPerAddress = maxPerAddress });

        int[] statuses = new int[Cycles];
        for (int i = 0; i < Cycles; i++)
        {
            // GetAsync returns once the server's close (FIN after the response) was read.
            RawResponse response = await server.GetAsync("/tiny.txt");
            statuses[i] = response.Status;
            Assert.True(response.Status != 200 || Sha256(response.Body) == s_tiny);
        }

        Assert.Equal(Cycles, statuses.Count(s => s == 200));
        Assert.Equal(0, server.Server.Counters.Busy(BusyKind.Server) + server.Server.Counters.Busy(BusyKind.Address));
        await AssertOneSlotLeftAsync(server);
    }

    // Refusals close through other paths: a rejected head (400, 413: lingering close), a silent
    // connection closed at its header timeout (no linger: closed in RunAsync's finally), a
    // malformed PROXY header. Each is followed at once by a request that must be served.
    [Fact]
    public async Task EveryClosePathFreesTheSlotBeforeTheClientSeesTheClose()
    {
        await using TestServer server = TestServer.Start(configure: o => o with
        {
            MaxConnections = 1,
            MaxConnectionsPerAddress = 1,
            HeaderTimeout = TimeSpan.FromMilliseconds(300),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        });

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(400, (await server.SendExpectingCloseAsync("GET /tiny.txt HTTP/1.1\r\n\r\n")).Status);
            Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
            Assert.Equal(413, (await server.SendExpectingCloseAsync("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")).Status);
            Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
            await using (RawHttpConnection silent = await server.ConnectAsync())
            {
                Assert.Empty(await silent.ReadToEndAsync(TimeSpan.FromSeconds(5)));
            }

            Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        }

        Assert.Equal(0, server.Server.Counters.Busy(BusyKind.Server) + server.Server.Counters.Busy(BusyKind.Address));
        await AssertOneSlotLeftAsync(server);
    }

    [Fact]
    public async Task MalformedProxyHeaderFreesTheSlotBeforeTheClose()
    {
        await using TestServer server = TestServer.Start(configure: o => o with { MaxConnections = 1, TrustedProxies = ["127.0.0.1"] });

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(400, (await server.SendExpectingCloseAsync("PROXY TCP4 203.0.113.7 127.0.0.1 99999 80\r\nGET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n")).Status);
            Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        }

        Assert.Equal(0, server.Server.Counters.Busy(BusyKind.Server));
    }

    // TLS: a failed handshake (plain text on the TLS port) and a served request (close_notify,
    // then FIN) both end with the slot free.
    [Fact]
    public async Task TlsConnectionsFreeTheSlotBeforeTheClose()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto, o => o with { MaxConnections = 1, MaxConnectionsPerAddress = 1 });

        for (int i = 0; i < 50; i++)
        {
            await using (RawHttpConnection plain = await RawHttpConnection.ConnectAsync(server.Port))
            {
                await plain.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
                await plain.ReadToEndAsync(TimeSpan.FromSeconds(5));
            }

            RawResponse response = await server.GetAsync("/tiny.txt");
            Assert.Equal(200, response.Status);
            Assert.Equal(s_tiny, Sha256(response.Body));
        }

        Assert.Equal(0, server.Server.Counters.Busy(BusyKind.Server) + server.Server.Counters.Busy(BusyKind.Address));
    }

    // Nothing was released twice: with one slot, one held connection still turns the next away.
    private static async Task AssertOneSlotLeftAsync(TestServer server)
    {
        Assert.True(await Wait.UntilAsync(() => server.Server.ConnectionSlotsHeld == 0, TimeSpan.FromSeconds(5)));
        await using RawHttpConnection held = await server.ConnectAsync();
        await held.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await held.ReadResponseAsync()).Status);
        Assert.Equal(1, server.Server.ConnectionSlotsHeld);
        Assert.Equal(503, (await server.GetAsync("/tiny.txt")).Status);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
