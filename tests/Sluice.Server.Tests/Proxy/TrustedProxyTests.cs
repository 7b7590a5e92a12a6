using System.Net;
using System.Text;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Proxy;

// The real client behind a trusted proxy: a PROXY v2 header (as HAProxy's send-proxy-v2 writes
// it) or X-Forwarded-For, believed from --trusted-proxy peers only. 127.0.0.1 plays the proxy and
// 127.0.0.2 (also loopback) a client that connects directly.
public sealed class TrustedProxyTests
{
    private static readonly IPAddress s_otherClient = IPAddress.Parse("127.0.0.2");

    private static byte[] ProxyV2(string source, int sourcePort, int destinationPort)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        return [.. signature, 0x21, 0x11, 0x00, 12, .. IPAddress.Parse(source).GetAddressBytes(), 127, 0, 0, 1,
                (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];
    }

    private static byte[] Request(string target, bool close, string extra = "") =>
        Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: a\r\n{extra}{(close ? "Connection: close\r\n" : "")}\r\n");

    private static byte[] Bytes(byte[] bytes) => bytes;

    private static Task<RawHttpConnection> ConnectAsync(TestServer server, IPAddress? from = null) =>
        RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), from);

    [Fact]
    public async Task ProxyV2HeaderFromATrustedPeerNamesTheClientInTheAccessLog()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"] });
        await using RawHttpConnection connection = await ConnectAsync(server);
        await connection.SendAsync(Bytes([.. ProxyV2("203.0.113.7", 4242, server.Port), .. Request("/tiny.txt", close: true)]));

        RawResponse response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.TinyText, response.BodyText);
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains("203.0.113.7:4242 \"GET /tiny.txt HTTP/1.1\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.DoesNotContain("127.0.0.1:", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyV1TextHeaderFromATrustedPeerNamesTheClient()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.0/8"] });
        await using RawHttpConnection connection = await ConnectAsync(server);
        await connection.SendAsync(Bytes([.. "PROXY TCP6 2001:db8::7 ::1 5555 80\r\n"u8, .. Request("/tiny.txt", close: true)]));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains("[2001:db8::7]:5555 \"GET /tiny.txt", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
    }

    [Fact]
    public async Task ProxiedClientsCountTowardTheirOwnPerAddressCapNotTheProxys()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"], MaxConnections = 20, MaxConnectionsPerAddress = 2 });
        var held = new List<RawHttpConnection>();
        try
        {
            // Two keep-alive connections for client A through the proxy: both served.
            for (int i = 0; i < 2; i++)
            {
                RawHttpConnection connection = await ConnectAsync(server);
                held.Add(connection);
                await connection.SendAsync(Bytes([.. ProxyV2("203.0.113.7", 1000 + i, server.Port), .. Request("/tiny.txt", close: false)]));
                Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
            }

            // A third for client A is refused: the cap counts the proxied address …
            await using (RawHttpConnection third = await ConnectAsync(server))
            {
                await third.SendAsync(Bytes([.. ProxyV2("203.0.113.7", 1002, server.Port), .. Request("/tiny.txt", close: true)]));
                RawResponse refused = await third.ReadResponseAsync();
                Assert.Equal(503, refused.Status);
                Assert.Equal("1", refused.Header("Retry-After"));
                Assert.Empty(await third.ReadToEndAsync(TimeSpan.FromSeconds(5)));
            }

            Assert.Equal(1, server.Server.Counters.Busy(BusyKind.Address));
            Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("203.0.113.7:1002: 503 per-address connection limit (2) reached", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);

            // … not the proxy's: its fourth connection, for client B, is served.
            RawHttpConnection other = await ConnectAsync(server);
            held.Add(other);
            await other.SendAsync(Bytes([.. ProxyV2("203.0.113.8", 2000, server.Port), .. Request("/tiny.txt", close: false)]));
            Assert.Equal(200, (await other.ReadResponseAsync()).Status);

            // A slot is given back when a proxied connection closes.
            await held[0].DisposeAsync();
            held.RemoveAt(0);
            Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 2, TimeSpan.FromSeconds(5)));
            await using RawHttpConnection again = await ConnectAsync(server);
            await again.SendAsync(Bytes([.. ProxyV2("203.0.113.7", 1003, server.Port), .. Request("/tiny.txt", close: true)]));
            Assert.Equal(200, (await again.ReadResponseAsync()).Status);
        }
        finally
        {
            foreach (RawHttpConnection connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ProxyHeaderFromAnUntrustedPeerIsRefusedWith400AndClosed()
    {
        // Only 127.0.0.1 is trusted; 127.0.0.2 tries to choose its own address.
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"] });
        await using RawHttpConnection connection = await ConnectAsync(server, s_otherClient);
        await connection.SendAsync(Bytes([.. ProxyV2("203.0.113.7", 4242, server.Port), .. Request("/tiny.txt", close: true)]));

        RawResponse response = await connection.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("127.0.0.2:", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
        Assert.Contains("PROXY protocol header from a peer outside --trusted-proxy", server.DiagnosticsLog, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.7", server.AccessLog + server.DiagnosticsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyHeaderWithoutAnyTrustedProxyIsRefused()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync("PROXY TCP4 203.0.113.7 127.0.0.1 4242 80\r\nGET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(400, response.Status);
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("PROXY protocol header from a peer outside --trusted-proxy", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
    }

    [Fact]
    public async Task MalformedProxyHeaderFromATrustedPeerIsRefused()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"] });
        RawResponse response = await server.SendExpectingCloseAsync("PROXY TCP4 203.0.113.7 127.0.0.1 99999 80\r\nGET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(400, response.Status);
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("malformed PROXY protocol header", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
    }

    [Fact]
    public async Task ForwardedForFromATrustedPeerNamesTheRightmostUntrustedHop()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1", "10.0.0.0/8"] });
        RawResponse response = await server.GetAsync("/tiny.txt", "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\nX-Forwarded-For: 10.1.2.3\r\n");

        Assert.Equal(200, response.Status);
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains(" 203.0.113.9 \"GET /tiny.txt", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.DoesNotContain("198.51.100.1", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedForAppliesPerRequestOnAKeptAliveConnection()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"] });
        await using RawHttpConnection connection = await ConnectAsync(server);
        await connection.SendAsync(Request("/tiny.txt?1", close: false, "X-Forwarded-For: 203.0.113.1\r\n"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        await connection.SendAsync(Request("/tiny.txt?2", close: true));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains("/tiny.txt?2", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.Contains(" 203.0.113.1 \"GET /tiny.txt?1", server.AccessLog, StringComparison.Ordinal);
        Assert.Contains(" 127.0.0.1:", server.AccessLog.Split('\n').Single(l => l.Contains("/tiny.txt?2", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedForFromAnUntrustedPeerIsIgnored()
    {
        await using var server = TestServer.Start(configure: o => o with { TrustedProxies = ["127.0.0.1"] });
        await using RawHttpConnection connection = await ConnectAsync(server, s_otherClient);
        await connection.SendAsync(Request("/tiny.txt", close: true, "X-Forwarded-For: 203.0.113.9\r\n"));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains(" 127.0.0.2:", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.DoesNotContain("203.0.113.9", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedForWithoutTrustedProxiesIsIgnored()
    {
        await using var server = TestServer.Start();
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", "X-Forwarded-For: 203.0.113.9\r\n")).Status);
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains(" 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.DoesNotContain("203.0.113.9", server.AccessLog, StringComparison.Ordinal);
    }
}
