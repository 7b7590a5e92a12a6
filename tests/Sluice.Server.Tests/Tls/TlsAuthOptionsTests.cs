using Sluice.Server.Configuration;

namespace Sluice.Server.Tests.Tls;

// HTTP Basic on a network address is refused over plain HTTP; with --tls-cert the main listener
// speaks only TLS, so the same configuration is accepted.
public sealed class TlsAuthOptionsTests
{
    [Fact]
    public void BasicAuthOnANetworkAddressIsAcceptedOnlyWithTls()
    {
        using TestCertificate certificate = TestCertificate.Create();
        var plain = new ServerOptions { Root = Path.GetTempPath(), Host = "0.0.0.0", Auth = new AuthOptions { Entries = ["alice:not-checked-here"] } };
        var tls = plain with { TlsCertificatePath = certificate.CertificatePath, TlsKeyPath = certificate.KeyPath };

        Assert.Contains(plain.Validate(), e => e.StartsWith("refusing HTTP Basic auth over plain HTTP", StringComparison.Ordinal));
        Assert.DoesNotContain(tls.Validate(), e => e.StartsWith("refusing HTTP Basic auth over plain HTTP", StringComparison.Ordinal));
    }
}
