using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tls;

namespace Sluice.Server.Tests.Tls;

// Real handshakes against the server's TLS port: both protocol versions with ALPN, curl with
// --cacert, and the clients that must not hold a slot or crash anything (silent, plain HTTP).
public sealed class TlsHandshakeTests
{
    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task HandshakeNegotiatesTheVersionAndHttp11AndServesTheFile(SslProtocols protocol)
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto);
        await using TlsClient client = await server.ConnectAsync(protocol);

        RawResponse response = await client.GetAsync("/random.bin");

        Assert.Equal(protocol, client.Stream.SslProtocol);
        Assert.Equal(SslApplicationProtocol.Http11, client.Stream.NegotiatedApplicationProtocol);
        Assert.Equal(server.Certificate.Thumbprint, client.ServerCertificate.Thumbprint);
        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        // Keep-alive over the same TLS session.
        Assert.Equal(TestServer.TinyText, TestServer.Ascii((await client.GetAsync("/tiny.txt")).Body));
        Assert.Equal(1, server.Server.TlsCounters.Handshakes(protocol));
    }

    [Fact]
    public async Task CurlWithCacertFetchesAFileByteExact()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto);
        string output = Path.Combine(server.Inner.BaseDirectory, "download.bin");

        (int exit, string stderr) = await CurlProcess.RunAsync(
            "-sS", "--fail", "--cacert", server.Certificate.CertificatePath, "-o", output, $"https://localhost:{server.Port}/random.bin");

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("random.bin")), Fixtures.Sha256OfFile(output));
    }

    [Fact]
    public async Task ClientThatSendsNothingIsDroppedByTheHandshakeTimeout()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto, o => o with { HeaderTimeout = TimeSpan.FromSeconds(1) });
        await using RawHttpConnection silent = await RawHttpConnection.ConnectAsync(server.Port);
        var clock = Stopwatch.StartNew();

        byte[] received = await silent.ReadToEndAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(received);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"closed after only {clock.Elapsed}");
        Assert.True(await Wait.UntilAsync(() => server.Server.TlsCounters.Failures(TlsHandshakeFailure.Timeout) == 1, TimeSpan.FromSeconds(5)));
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, server.Server.Counters.Timeouts(TimeoutKind.Header));
    }

    [Fact]
    public async Task PlainHttpToTheTlsPortIsClosedAndTheServerKeepsServing()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto);
        await using (RawHttpConnection plain = await RawHttpConnection.ConnectAsync(server.Port))
        {
            await plain.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");

            // Closed well before the header timeout (5 s): ReadToEndAsync throws if it is not.
            byte[] answer = await plain.ReadToEndAsync(TimeSpan.FromSeconds(4));

            Assert.DoesNotContain("hello", TestServer.Ascii(answer), StringComparison.Ordinal);
        }

        Assert.True(await Wait.UntilAsync(() => server.Server.TlsCounters.Failures(TlsHandshakeFailure.Protocol) == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(TestServer.TinyText, TestServer.Ascii((await server.GetAsync("/tiny.txt")).Body));
        Assert.True(
            await Wait.UntilAsync(() => (server.Inner.DiagnosticsLog + server.Inner.AccessLog).Contains("tls handshake failed (protocol)", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            server.Inner.DiagnosticsLog);
    }

    // Found by a hostile review: at the connection limit the TLS port answered a plain-text 503,
    // which a TLS client reads as a broken handshake ("wrong version number"). It closes instead.
    [Fact]
    public async Task AtTheConnectionLimitTheTlsPortClosesWithoutPlainText()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto, o => o with { MaxConnections = 1 });
        await using RawHttpConnection holder = await RawHttpConnection.ConnectAsync(server.Port);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));

        await using RawHttpConnection refused = await RawHttpConnection.ConnectAsync(server.Port);
        byte[] answer = await refused.ReadToEndAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(answer);
        Assert.Equal(1, server.Server.Counters.Busy(BusyKind.Server));
    }

    [Fact]
    public async Task KernelTlsIsProbedAndReportedAsTheKernelHasIt()
    {
        // The kernel's tls ULP is present when its module is loaded (or loadable): otherwise the
        // probe must say ENOENT, as on these machines (CONFIG_TLS unset).
        string modules = $"/lib/modules/{File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}";
        bool present = Directory.Exists("/sys/module/tls") || Directory.Exists(Path.Combine(modules, "kernel", "net", "tls"));
        await using var server = TlsTestServer.Start(StrategyOption.Auto);

        Assert.Equal(present ? KernelTlsStatus.Available : KernelTlsStatus.NotInKernel, server.Server.KernelTls);
        string log = server.Inner.DiagnosticsLog + server.Inner.AccessLog;
        Assert.Contains(present ? "tls: kernel TLS is available" : "tls: kernel TLS is not available (TCP_ULP tls: ENOENT", log, StringComparison.Ordinal);
        Assert.Contains(
            $"sluice_tls_kernel_available {(present ? 1 : 0)}\n",
            PrometheusWriter.RenderTls(server.Server.TlsCounters, server.Server.KernelTls),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateWithoutKeyIsRefusedAtStartWithOneLine()
    {
        using TestCertificate certificate = TestCertificate.Create();
        File.WriteAllText(certificate.KeyPath, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");

        var error = Assert.Throws<TlsCertificateException>(() => TlsCertificateStore.Load(certificate.CertificatePath, certificate.KeyPath));

        Assert.Contains(certificate.CertificatePath, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void CertificateAndKeyMustBeGivenTogether()
    {
        var options = new Configuration.ServerOptions { Root = Path.GetTempPath(), TlsCertificatePath = "/nonexistent/cert.pem" };

        Assert.Contains("--tls-cert and --tls-key must be given together", options.Validate());
    }
}
