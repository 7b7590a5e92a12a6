using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Sluice.Core.Policy;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tests.Tls;
using Sluice.Server.Tls;

namespace Sluice.Server.Tests.Proxy;

// --trusted-proxy with --tls-cert: HAProxy (send-proxy-v2) and nginx (proxy_protocol on) send the
// PROXY header in clear before the ClientHello. 127.0.0.1 plays the proxy, 127.0.0.2 a client
// outside --trusted-proxy.
public sealed class ProxyBeforeTlsTests
{
    private static readonly IPAddress s_untrusted = IPAddress.Parse("127.0.0.2");

    private static byte[] ProxyV2(string source, int sourcePort, int destinationPort)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        return [.. signature, 0x21, 0x11, 0x00, 12, .. IPAddress.Parse(source).GetAddressBytes(), 127, 0, 0, 1,
                (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];
    }

    private static TlsTestServer StartTrusting(Func<Configuration.ServerOptions, Configuration.ServerOptions>? configure = null) =>
        TlsTestServer.Start(StrategyOption.Auto, o =>
        {
            o = o with { TrustedProxies = ["127.0.0.1"] };
            return configure is null ? o : configure(o);
        });

    // Connects (from `from`), writes each chunk of `clear` as its own segment, then runs TLS; a
    // `withHello` prefix is written together with the ClientHello's first bytes.
    private static async Task<(RawHttpConnection Raw, TlsClient Tls)> ConnectAsync(
        TlsTestServer server, byte[][] clear, byte[]? withHello = null, IPAddress? from = null)
    {
        RawHttpConnection raw = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), from);
        try
        {
            foreach (byte[] chunk in clear)
            {
                await raw.SendAsync(chunk);
                await Task.Delay(50); // NoDelay and a pause: the chunks leave as separate segments
            }

            Stream transport = new NetworkStream(raw.Socket, ownsSocket: false);
            if (withHello is not null)
            {
                transport = new PrefixedWriteStream(transport, withHello);
            }

            return (raw, await TlsClient.AuthenticateAsync(transport, server.Certificate.Certificate));
        }
        catch
        {
            await raw.DisposeAsync();
            throw;
        }
    }

    private static async Task AssertServesRandomBinAsync(TlsTestServer server, TlsClient client)
    {
        RawResponse response = await client.GetAsync("/random.bin", "Connection: close\r\n");
        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        Assert.Equal(0, await client.ReadToEndAsync());
    }

    [Fact]
    public async Task ProxyV2HeaderInTheSameSegmentAsTheClientHelloNamesTheClient()
    {
        await using TlsTestServer server = StartTrusting();
        (RawHttpConnection raw, TlsClient client) = await ConnectAsync(server, [], withHello: ProxyV2("203.0.113.7", 4242, server.Port));
        await using (raw)
        await using (client)
        {
            await AssertServesRandomBinAsync(server, client);
        }

        Assert.True(await Wait.UntilAsync(() => server.Inner.AccessLog.Contains("203.0.113.7:4242 \"GET /random.bin HTTP/1.1\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.Inner.AccessLog);
        Assert.DoesNotContain("127.0.0.1:", server.Inner.AccessLog, StringComparison.Ordinal);
        Assert.Equal(1, server.Server.TlsCounters.Handshakes(SslProtocols.Tls13));
    }

    [Fact]
    public async Task ProxyV1HeaderBeforeTlsNamesTheClient()
    {
        await using TlsTestServer server = StartTrusting();
        (RawHttpConnection raw, TlsClient client) = await ConnectAsync(server, [], withHello: "PROXY TCP6 2001:db8::7 ::1 5555 443\r\n"u8.ToArray());
        await using (raw)
        await using (client)
        {
            await AssertServesRandomBinAsync(server, client);
        }

        Assert.True(await Wait.UntilAsync(() => server.Inner.AccessLog.Contains("[2001:db8::7]:5555 \"GET /random.bin HTTP/1.1\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.Inner.AccessLog);
    }

    [Fact]
    public async Task ProxyHeaderSplitAcrossSegmentsBeforeTlsNamesTheClient()
    {
        await using TlsTestServer server = StartTrusting();
        byte[] header = ProxyV2("203.0.113.9", 6000, server.Port);
        // Inside the signature, inside the fixed part, inside the addresses.
        (RawHttpConnection raw, TlsClient client) = await ConnectAsync(server, [header[..5], header[5..14], header[14..20], header[20..]]);
        await using (raw)
        await using (client)
        {
            await AssertServesRandomBinAsync(server, client);
        }

        Assert.True(await Wait.UntilAsync(() => server.Inner.AccessLog.Contains("203.0.113.9:6000 \"GET /random.bin HTTP/1.1\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.Inner.AccessLog);
    }

    [Fact]
    public async Task TrustedPeerWithoutProxyHeaderStillHandshakes()
    {
        await using TlsTestServer server = StartTrusting();
        await using TlsClient client = await server.ConnectAsync();

        await AssertServesRandomBinAsync(server, client);

        Assert.True(await Wait.UntilAsync(() => server.Inner.AccessLog.Contains(" 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.Inner.AccessLog);
    }

    [Fact]
    public async Task ProxyHeaderFromAnUntrustedPeerFailsTheHandshake()
    {
        await using TlsTestServer server = StartTrusting();

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(server, [], withHello: ProxyV2("203.0.113.7", 4242, server.Port), from: s_untrusted));

        Assert.True(error is AuthenticationException or IOException, error.ToString());
        Assert.True(await Wait.UntilAsync(() => server.Server.TlsCounters.Failures(TlsHandshakeFailure.Protocol) == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, server.Server.TlsCounters.Handshakes(SslProtocols.Tls13));
        Assert.DoesNotContain("203.0.113.7", server.Inner.AccessLog + server.Inner.DiagnosticsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StalledProxyHeaderTimesOutAndFreesTheSlot()
    {
        await using TlsTestServer server = StartTrusting(o => o with { HeaderTimeout = TimeSpan.FromSeconds(1), MaxConnections = 1 });
        byte[] header = ProxyV2("203.0.113.7", 4242, server.Port);
        await using (RawHttpConnection stalled = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port)))
        {
            await stalled.SendAsync(header[..10]);
            var clock = Stopwatch.StartNew();

            Assert.Empty(await stalled.ReadToEndAsync(TimeSpan.FromSeconds(10)));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"closed after only {clock.Elapsed}");
        }

        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, server.Server.TlsCounters.Failures(TlsHandshakeFailure.Timeout));
        Assert.Equal(1, server.Server.Counters.Timeouts(TimeoutKind.Header));

        // The one slot is free again: a complete header and handshake are served.
        (RawHttpConnection raw, TlsClient client) = await ConnectAsync(server, [], withHello: header);
        await using (raw)
        await using (client)
        {
            await AssertServesRandomBinAsync(server, client);
        }
    }

    [Fact]
    public async Task MalformedProxyHeaderFromATrustedPeerClosesWithoutPlainText()
    {
        await using TlsTestServer server = StartTrusting();
        await using RawHttpConnection raw = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        await raw.SendAsync("PROXY TCP4 203.0.113.7 127.0.0.1 99999 443\r\n"u8.ToArray());

        // Closed well before the header timeout (5 s), and not with a plain-text 400 a TLS client cannot read.
        Assert.Empty(await raw.ReadToEndAsync(TimeSpan.FromSeconds(4)));
        Assert.Equal(1, server.Server.Counters.Rejections(Core.Http.RequestRejectionReason.InvalidProxyHeader));
        Assert.True(await Wait.UntilAsync(() => server.Inner.DiagnosticsLog.Contains("malformed PROXY protocol header before TLS (closed)", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.Inner.DiagnosticsLog);
    }
}
