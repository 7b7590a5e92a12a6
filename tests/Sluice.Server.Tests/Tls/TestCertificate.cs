using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Server.Tests.Tls;

// A self-signed RSA certificate for localhost and 127.0.0.1, made in the test and written as PEM
// (cert.pem, key.pem) the way a user would pass them to --tls-cert/--tls-key.
internal sealed class TestCertificate : IDisposable
{
    private TestCertificate(string directory, X509Certificate2 certificate)
    {
        Directory = directory;
        Certificate = certificate;
    }

    public string Directory { get; }

    public X509Certificate2 Certificate { get; }

    public string CertificatePath => Path.Combine(Directory, "cert.pem");

    public string KeyPath => Path.Combine(Directory, "key.pem");

    public string Thumbprint => Certificate.Thumbprint;

    public static TestCertificate Create(string subject = "CN=localhost")
    {
        string directory = Path.Combine(Path.GetTempPath(), "sluice-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var certificate = new TestCertificate(directory, Make(subject, out string certificatePem, out string keyPem));
        File.WriteAllText(certificate.CertificatePath, certificatePem);
        File.WriteAllText(certificate.KeyPath, keyPem);
        return certificate;
    }

    // A new certificate written over the same two files (what an operator does before SIGHUP).
    public X509Certificate2 Replace(string subject)
    {
        X509Certificate2 replacement = Make(subject, out string certificatePem, out string keyPem);
        File.WriteAllText(CertificatePath, certificatePem);
        File.WriteAllText(KeyPath, keyPem);
        return replacement;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 Make(string subject, out string certificatePem, out string keyPem)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        using X509Certificate2 signed = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        certificatePem = signed.ExportCertificatePem();
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }
}
