using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Tls;

// Certificate reload (what SIGHUP calls): connections keep the certificate they shook hands with
// and finish; new handshakes get the new one; a bad new certificate keeps the old.
public sealed class TlsReloadTests
{
    [Fact]
    public async Task ReloadDuringALargeDownloadLetsItFinishAndNewHandshakesSeeTheNewCertificate()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto);
        const long length = 64L * 1024 * 1024;
        string path = server.Inner.PathOf("large.bin");
        Fixtures.WriteBlocksFile(path, length);
        X509Certificate2 old = server.Certificate.Certificate;
        await using TlsClient downloading = await server.ConnectAsync(SslProtocols.Tls13, receiveBufferSize: 64 * 1024);
        await downloading.SendAsync("GET /large.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
        RawResponse head = await downloading.ReadHeadAsync();
        byte[] first = await downloading.ReadBodyAsync(1024 * 1024);

        using X509Certificate2 replacement = server.Certificate.Replace("CN=localhost-renewed");
        Assert.True(server.Server.ReloadTlsCertificate());
        await using TlsClient fresh = await TlsClient.ConnectAsync(server.Port, SslProtocols.Tls12, 0, old, replacement);
        // At once: an idle new connection is closed by the header timeout (from accept), and the
        // rest of the download may take longer than that on a loaded machine.
        RawResponse tiny = await fresh.GetAsync("/tiny.txt");
        byte[] rest = await downloading.ReadBodyAsync(length - first.Length);

        Assert.Equal(200, head.Status);
        Assert.Equal(replacement.Thumbprint, fresh.ServerCertificate.Thumbprint);
        Assert.NotEqual(old.Thumbprint, replacement.Thumbprint);
        Assert.Equal(old.Thumbprint, downloading.ServerCertificate.Thumbprint);
        Assert.Equal(Fixtures.Sha256OfFile(path), Fixtures.Sha256([.. first, .. rest]));
        Assert.Equal(TestServer.TinyText, TestServer.Ascii(tiny.Body));
        Assert.Equal(1, server.Server.TlsCounters.Reloads);
    }

    [Fact]
    public async Task ABadNewCertificateKeepsTheOldOneAndSaysWhy()
    {
        await using var server = TlsTestServer.Start(StrategyOption.Auto);
        File.WriteAllText(server.Certificate.CertificatePath, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");

        Assert.False(server.Server.ReloadTlsCertificate());
        await using TlsClient client = await server.ConnectAsync();

        Assert.Equal(server.Certificate.Thumbprint, client.ServerCertificate.Thumbprint);
        Assert.Equal(TestServer.TinyText, TestServer.Ascii((await client.GetAsync("/tiny.txt")).Body));
        Assert.Equal(1, server.Server.TlsCounters.ReloadFailures);
        Assert.Equal(0, server.Server.TlsCounters.Reloads);
        Assert.Contains("tls: reload failed, keeping the current certificate", server.Inner.DiagnosticsLog, StringComparison.Ordinal);
    }
}
