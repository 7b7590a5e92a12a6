using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

// `sluice serve --tls-cert --tls-key` as a user runs it: curl --cacert fetches over https, SIGHUP
// reloads the certificate (and does not end the process, SIGHUP's default action), and a key that
// is not a key stops the start with one line and exit code 1.
public sealed partial class ServeTlsCommandTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-tls-" + Guid.NewGuid().ToString("N"));

    public ServeTlsCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "root"));
        File.WriteAllText(Path.Combine(_directory, "root", "hello.txt"), "hello over tls\n");
    }

    private string CertPath => Path.Combine(_directory, "cert.pem");

    private string KeyPath => Path.Combine(_directory, "key.pem");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ServesHttpsAndReloadsTheCertificateOnSighup()
    {
        string first = WriteCertificate("CN=localhost");
        await using SluiceProcess sluice = SluiceProcess.Start("serve", Path.Combine(_directory, "root"), "--port", "0", "--tls-cert", CertPath, "--tls-key", KeyPath);
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal((0, "hello over tls\n"), await CurlAsync(port));

        string second = WriteCertificate("CN=localhost-renewed");
        await sluice.SendSignalAsync("HUP");
        await sluice.WaitForStderrLineAsync(l => l.Contains($"tls: certificate reloaded (CN=localhost-renewed", StringComparison.Ordinal), s_quick);

        Assert.False(sluice.HasExited, $"SIGHUP ended the process:\n{sluice.Stderr}");
        Assert.Contains($"sha1 {first}", sluice.Stderr, StringComparison.Ordinal);
        Assert.Contains($"sha1 {second}", sluice.Stderr, StringComparison.Ordinal);
        // curl now trusts only the new certificate: the handshake succeeds only if the server sends it.
        Assert.Equal((0, "hello over tls\n"), await CurlAsync(port));
    }

    [Fact]
    public async Task AKeyThatIsNotAKeyIsOneLineAndExitCode1()
    {
        WriteCertificate("CN=localhost");
        File.WriteAllText(KeyPath, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", Path.Combine(_directory, "root"), "--port", "0", "--tls-cert", CertPath, "--tls-key", KeyPath);

        Assert.Equal(1, exit);
        Assert.Contains($"cannot load the TLS certificate '{CertPath}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
    }

    private string WriteCertificate(string subject)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CertPath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate.Thumbprint;
    }

    private async Task<(int Exit, string Body)> CurlAsync(int port)
    {
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-sS", "--fail", "--max-time", "20", "--cacert", CertPath, $"https://localhost:{port}/hello.txt" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process curl = Process.Start(start)!;
        Task<string> body = curl.StandardOutput.ReadToEndAsync();
        Task<string> error = curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (curl.ExitCode, await body + await error);
    }

    [GeneratedRegex(@"serving .* on https://127\.0\.0\.1:(\d+) ")]
    private static partial Regex ServingRegex();
}
