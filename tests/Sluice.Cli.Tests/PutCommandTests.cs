using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Cli.Tests;

// Black-box `sluice put FILE URL` against the real `sluice serve`. The first group runs on any
// server (usage errors, refusals, TLS); the group marked "needs --upload" needs the PUT pipeline
// (h3) and the tus endpoint (h6) of issue 11 and fails until they are merged.
public sealed partial class PutCommandTests : IDisposable
{
    private const int FileLength = (6 * 1024 * 1024) + 321;
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-put-" + Guid.NewGuid().ToString("N"));

    public PutCommandTests()
    {
        Directory.CreateDirectory(Root);
        byte[] bytes = new byte[FileLength];
        new Random(20261201).NextBytes(bytes);
        File.WriteAllBytes(LocalFile, bytes);
    }

    private string Root => Path.Combine(_directory, "root");

    private string LocalFile => Path.Combine(_directory, "upload.bin");

    private string StateFile => LocalFile + ".sluice-put";

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
    public async Task HelpDocumentsPutAndItsOptions()
    {
        (int exit, string stdout, _) = await SluiceProcess.RunAsync(s_quick, "put", "--help");

        Assert.Equal(0, exit);
        foreach (string option in new[] { "FILE", "URL", "--user", "--cacert", "--quiet", "--retries", "--timeout", "--protocol" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("missing-file", "http://127.0.0.1:1/a", "is not a readable file")]
    [InlineData("upload.bin", "ftp://127.0.0.1/a", "must be an absolute http:// or https:// URL")]
    [InlineData("upload.bin", "http://127.0.0.1:1/a?x=1", "must not carry credentials, a query or a fragment")]
    public async Task UsageErrorsExitWith2(string file, string url, string message)
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", Path.Combine(_directory, file), url);

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACaCertThatIsNotPemIsAUsageError()
    {
        string bogus = Path.Combine(_directory, "bogus.pem");
        File.WriteAllText(bogus, "not a certificate\n");

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, "https://localhost:1/a", "--cacert", bogus);

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Contains("--cacert", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoServerIsRetriedWithBackoffThenExit1()
    {
        int port = UnusedPort();

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, $"http://127.0.0.1:{port}/a.bin", "--retries", "2");

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("retrying in 0.25 s (1 of 2)", stderr, StringComparison.Ordinal);
        Assert.Contains("retrying in 0.5 s (2 of 2)", stderr, StringComparison.Ordinal);
        Assert.Contains("giving up after 2 retries", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerWithoutUploadsRefusesAndNothingIsWritten()
    {
        await using ServedProcess server = await ServeAsync();

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, $"http://127.0.0.1:{server.Port}/a.bin", "-q");

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("sluice: PUT: the server answered 4", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Root, "a.bin")));
        Assert.False(File.Exists(StateFile), "a plain PUT keeps no state");
    }

    [Fact]
    public async Task HttpsNeedsTheCaCertAndReachesTheServerWithIt()
    {
        string cert = Path.Combine(_directory, "cert.pem");
        string key = Path.Combine(_directory, "key.pem");
        WriteCertificate(cert, key);
        await using ServedProcess server = await ServeAsync("--tls-cert", cert, "--tls-key", key);
        string url = $"https://localhost:{server.Port}/a.bin";

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "-q", "--protocol", "put");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("TLS handshake with localhost", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "-q", "--protocol", "put", "--cacert", cert);
        Assert.DoesNotContain("TLS handshake", stderr, StringComparison.Ordinal);
        Assert.Contains("PUT: the server answered", stderr, StringComparison.Ordinal); // an HTTP answer: TLS worked
    }

    // ---- needs --upload (issue 11: h3's PUT pipeline, h6's tus endpoint) ----

    [Theory]
    [InlineData("put")]
    [InlineData("tus")]
    [InlineData("auto")]
    public async Task UploadsAFileWholeByEitherProtocol(string protocol)
    {
        await using ServedProcess server = await ServeAsync("--upload");
        // Uploads never create parents (409, RFC 4918 §9.7.1): the directory the URL names exists.
        Directory.CreateDirectory(Path.Combine(Root, "sub"));

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(
            s_quick, "put", LocalFile, $"http://127.0.0.1:{server.Port}/sub/", "--protocol", protocol);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(LocalFile), Sha256(Path.Combine(Root, "sub", "upload.bin")));
        Assert.False(File.Exists(StateFile), "the state is removed after a finished upload");
    }

    [Fact]
    public async Task AutoPicksTusWhenTheServerOffersIt()
    {
        await using ServedProcess server = await ServeAsync("--upload");

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, $"http://127.0.0.1:{server.Port}/a.bin");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("(tus, ", stderr, StringComparison.Ordinal);
        Assert.Contains("\"OPTIONS /-/uploads/ HTTP/1.1\" 204", server.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumesAfterACutSendingOnlyWhatTheServerLacks()
    {
        await using ServedProcess server = await ServeAsync("--upload");
        const long cut = 2 * 1024 * 1024;
        await using var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cut);

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(
            s_quick, "put", LocalFile, $"http://127.0.0.1:{proxy.Port}/resumed.bin", "--protocol", "tus");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(1, proxy.Cuts);
        Assert.Contains("retrying in", stderr, StringComparison.Ordinal);
        Assert.Equal(Sha256(LocalFile), Sha256(Path.Combine(Root, "resumed.bin")));

        // The issue's bound: after the cut, fewer bytes than the remaining ones plus one chunk (one
        // 256 KiB body block) go out, requests' heads included; a restart from 0 would send all 6 MiB.
        long sentAfterCut = proxy.ForwardedBytes - cut;
        Assert.True(sentAfterCut < FileLength - cut + (256 * 1024), $"{sentAfterCut} bytes sent after the cut, {FileLength - cut} remained");
    }

    [Fact]
    public async Task WithoutRetriesACutLeavesTheStateAndTheNextRunResumes()
    {
        await using ServedProcess server = await ServeAsync("--upload");
        const long cut = 3 * 1024 * 1024;
        await using var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cut);
        string url = $"http://127.0.0.1:{proxy.Port}/later.bin";

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "--protocol", "tus", "--retries", "0");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.True(File.Exists(StateFile), "the cut upload's state is kept for the next run");
        Assert.False(File.Exists(Path.Combine(Root, "later.bin")), "an unfinished upload is not placed");

        // The proxy cuts only once: the second run passes.
        long before = proxy.ForwardedBytes;
        (exit, _, stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "--protocol", "tus", "--retries", "0");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        long resent = proxy.ForwardedBytes - before;
        Assert.True(resent < FileLength - cut + (256 * 1024), $"{resent} bytes sent on resume, {FileLength - cut} remained");
        Assert.Equal(Sha256(LocalFile), Sha256(Path.Combine(Root, "later.bin")));
        Assert.False(File.Exists(StateFile));
    }

    [Fact]
    public async Task AChangedLocalFileStartsOver()
    {
        await using ServedProcess server = await ServeAsync("--upload");
        await using var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Loopback, server.Port), 1024 * 1024);
        string url = $"http://127.0.0.1:{proxy.Port}/changed.bin";
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "--protocol", "tus", "--retries", "0");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.True(File.Exists(StateFile));
        long before = proxy.ForwardedBytes;

        await File.AppendAllTextAsync(LocalFile, "a new version\n");
        (exit, _, stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "--protocol", "tus", "--retries", "0");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(LocalFile), Sha256(Path.Combine(Root, "changed.bin")));
        Assert.True(proxy.ForwardedBytes - before > FileLength, "the new version went up whole, not from the old offset");
    }

    [Fact]
    public async Task CredentialsAreSentAndAWrongPasswordIsExit1()
    {
        string line = "dora:" + Sluice.Core.Auth.Pbkdf2Password.Create("open sesame", Sluice.Core.Auth.Pbkdf2Password.MinIterations);
        await using ServedProcess server = await ServeAsync("--upload", "--auth", line);
        string url = $"http://127.0.0.1:{server.Port}/auth.bin";

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "-u", "dora:wrong", "-q");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("401", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await SluiceProcess.RunAsync(s_quick, "put", LocalFile, url, "-u", "dora:open sesame", "-q");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(LocalFile), Sha256(Path.Combine(Root, "auth.bin")));
    }

    private async Task<ServedProcess> ServeAsync(params string[] options)
    {
        SluiceProcess sluice = SluiceProcess.Start(["serve", Root, "--port", "0", .. options]);
        Task<string> serving = sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);

        // A serve that refuses its options (no --upload before issue 11's merge) fails the test at once.
        if (await Task.WhenAny(serving, sluice.WaitForExitAsync(s_quick)) != serving)
        {
            await sluice.DisposeAsync();
            throw new InvalidOperationException($"sluice serve {string.Join(' ', options)} did not start:\n{sluice.Stderr}");
        }

        string line = await serving;
        return new ServedProcess(sluice, int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    internal static void WriteCertificate(string certPath, string keyPath)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [GeneratedRegex(@"serving .* on https?://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();

    private sealed class ServedProcess(SluiceProcess process, int port) : IAsyncDisposable
    {
        public int Port => port;

        public string Stdout => process.Stdout;

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
