using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Cli.Tests;

// Black-box `sluice get URL` against the real `sluice serve` on 127.0.0.1 (and nginx when it is
// installed, and a scripted server for what the real one does not do), bytes checked by SHA-256.
public sealed partial class GetCommandTests : IDisposable
{
    private const int Chunk = 1024 * 1024;
    private const int FileLength = (12 * Chunk) + 4321;
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(120);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-get-" + Guid.NewGuid().ToString("N"));

    public GetCommandTests()
    {
        Directory.CreateDirectory(Root);
        File.WriteAllBytes(Served, Bytes(20261201));
    }

    private string Root => Path.Combine(_directory, "root");

    private string Served => Path.Combine(Root, "big.bin");

    private string Output => Path.Combine(_directory, "out.bin");

    private string Part => Output + ".part";

    private string State => Output + ".sluice-get";

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
    public async Task HelpDocumentsGetItsOptionsAndExitCodes()
    {
        (int exit, string stdout, _) = await SluiceProcess.RunAsync(s_quick, "get", "--help");

        Assert.Equal(0, exit);
        foreach (string text in new[] { "URL", "--output", "--connections", "--chunk-size", "--sha256", "--user", "--cacert", "--quiet", "--retries", "Exit codes", "3 verification failed" })
        {
            Assert.Contains(text, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/", "the URL names no file")]
    [InlineData("ftp://127.0.0.1/a", "must be an absolute http:// or https:// URL")]
    [InlineData("http://127.0.0.1:1/a --sha256 abc", "--sha256 takes 64 hex digits")]
    [InlineData("http://127.0.0.1:1/a --connections 0", "--connections must be 1 to 64")]
    public async Task UsageErrorsExitWith2(string arguments, string message)
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, ["get", .. arguments.Split(' ')]);

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadsByParallelRangesTheServedBytes()
    {
        await using ServedProcess server = await ServeAsync();

        (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{server.Port}/big.bin", "-n", "4", "--chunk-size", "1MiB");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(Served), Sha256(Output));
        Assert.False(File.Exists(Part) || File.Exists(State), "no .part and no state after a finished download");
        Assert.Equal(13, Regex.Matches(server.Stdout, "\"GET /big.bin HTTP/1.1\" 206").Count); // 13 chunks, each once
    }

    [Fact]
    public async Task ResumesAfterACutFetchingOnlyTheMissingChunks()
    {
        await using ServedProcess server = await ServeAsync();
        // Half-way through a chunk: the two connections move in step, so a cut at a chunk boundary
        // (counted in wire bytes, heads included) found both in-flight chunks a few hundred bytes
        // short of complete, and the bound below then had only the response heads as margin.
        const long cut = (6L * Chunk) + (Chunk / 2);
        const int connections = 2;
        // One proxy for both runs (the state is for one URL): it cuts every connection once, when
        // 6.5 MiB went to the client, and passes everything after that.
        await using var proxy = new DownloadProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cutAfterBytes: cut);
        string url = $"http://127.0.0.1:{proxy.Port}/big.bin";
        (int exit, _, string stderr) = await GetAsync(url, "-n", "2", "--chunk-size", "1MiB", "--retries", "0");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.True(proxy.HasCut);
        Assert.True(File.Exists(State), "a cut download leaves its state");
        Assert.True(File.Exists(Part), "and its .part");

        long before = proxy.ReturnedBytes;
        (exit, _, stderr) = await GetAsync(url, "-n", "2", "--chunk-size", "1MiB", "--retries", "0");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("resuming", stderr, StringComparison.Ordinal);
        Assert.Equal(Sha256(Served), Sha256(Output));
        long after = proxy.ReturnedBytes - before;
        long remaining = FileLength - cut;
        Assert.True(after < remaining + (connections * Chunk), $"{after} bytes fetched after the cut, {remaining} remained");
    }

    [Fact]
    public async Task AFileChangedBetweenRunsIsDetectedByIfRangeAndFetchedAnew()
    {
        await using ServedProcess server = await ServeAsync();
        await using var proxy = new DownloadProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cutAfterBytes: 5L * Chunk);
        string url = $"http://127.0.0.1:{proxy.Port}/big.bin";
        (int exit, _, string stderr) = await GetAsync(url, "-n", "2", "--chunk-size", "1MiB", "--retries", "0");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.True(File.Exists(State));

        File.WriteAllBytes(Served, Bytes(7)); // same length, other bytes, another mtime: another ETag
        File.SetLastWriteTimeUtc(Served, DateTime.UtcNow.AddMinutes(1));
        (exit, _, stderr) = await GetAsync(url, "-n", "2", "--chunk-size", "1MiB");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("resuming", stderr, StringComparison.Ordinal);
        Assert.Contains("changed on the server", stderr, StringComparison.Ordinal);
        Assert.Equal(Sha256(Served), Sha256(Output));
    }

    [Fact]
    public async Task AFlippedByteFailsSha256AndLeavesNothing()
    {
        // Without the server's digest, so the check under test is --sha256's alone (with it, the
        // Repr-Digest check would catch the byte first).
        await using ServedProcess server = await ServeAsync("--no-repr-digest");
        await using var flipping = new DownloadProxy(new IPEndPoint(IPAddress.Loopback, server.Port), flipAt: (2L * Chunk) + 5000);

        (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{flipping.Port}/big.bin", "-n", "1", "--chunk-size", "1MiB", "--sha256", Sha256(Served));

        Assert.True(exit == 3, $"exit {exit}: {stderr}");
        Assert.Contains("differs from --sha256", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output) || File.Exists(Part) || File.Exists(State), "the bad bytes and the state are removed");
    }

    [Fact]
    public async Task ReprDigestVerifiesTheResultAndCatchesAFlippedByte()
    {
        byte[] content = Bytes(3);
        string digest = $"sha-256=:{Convert.ToBase64String(SHA256.HashData(content))}:";
        await using (var good = new ScriptedRangeServer(content, ranges: true, digest))
        {
            (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{good.Port}/f.bin", "--chunk-size", "1MiB");
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            Assert.Contains("verified SHA-256 against Repr-Digest", stderr, StringComparison.Ordinal);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Sha256(Output));
        }

        File.Delete(Output);
        await using var flipped = new ScriptedRangeServer(content, ranges: true, digest, flipAt: 3L * Chunk);
        (int exit2, _, string stderr2) = await GetAsync($"http://127.0.0.1:{flipped.Port}/f.bin", "--chunk-size", "1MiB");

        Assert.True(exit2 == 3, $"exit {exit2}: {stderr2}");
        Assert.Contains("differs from the server's Repr-Digest", stderr2, StringComparison.Ordinal);
        Assert.False(File.Exists(Output) || File.Exists(Part) || File.Exists(State));
    }

    [Fact]
    public async Task WithoutRangesItFallsBackToOneStream()
    {
        byte[] content = Bytes(5);
        await using var server = new ScriptedRangeServer(content, ranges: false);

        (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{server.Port}/f.bin", "-n", "8", "--chunk-size", "1MiB");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("one stream", stderr, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Sha256(Output));
        Assert.False(File.Exists(State));
    }

    [Fact]
    public async Task CredentialsAreSentAndAMissingOneIsExit1()
    {
        string line = "dora:" + Sluice.Core.Auth.Pbkdf2Password.Create("open sesame", Sluice.Core.Auth.Pbkdf2Password.MinIterations);
        await using ServedProcess server = await ServeAsync("--auth", line);
        string url = $"http://127.0.0.1:{server.Port}/big.bin";

        (int exit, _, string stderr) = await GetAsync(url);
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("401", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await GetAsync(url, "-u", "dora:open sesame");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(Served), Sha256(Output));
    }

    [Fact]
    public async Task HttpsWorksWithTheCaCertOnly()
    {
        string cert = Path.Combine(_directory, "cert.pem");
        string key = Path.Combine(_directory, "key.pem");
        PutCommandTests.WriteCertificate(cert, key);
        await using ServedProcess server = await ServeAsync("--tls-cert", cert, "--tls-key", key);
        string url = $"https://localhost:{server.Port}/big.bin";

        (int exit, _, string stderr) = await GetAsync(url, "--retries", "0");
        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains("TLS handshake with localhost", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await GetAsync(url, "--cacert", cert, "-n", "3", "--chunk-size", "2MiB");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(Sha256(Served), Sha256(Output));
    }

    [Fact]
    public async Task DownloadsFromNginx()
    {
        string nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        string prefix = Path.Combine(_directory, "nginx");
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        int port = UnusedPort();
        string config = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/client;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                server { listen 127.0.0.1:{{port}}; root {{Root}}; }
            }
            """);
        using var process = Process.Start(new ProcessStartInfo(nginx, ["-c", config, "-p", prefix, "-e", Path.Combine(prefix, "logs", "error.log")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.True(await Wait.UntilAsync(() => CanConnect(port), TimeSpan.FromSeconds(30)), "nginx did not listen");

            (int exit, _, string stderr) = await GetAsync($"http://127.0.0.1:{port}/big.bin", "-n", "4", "--chunk-size", "1MiB");

            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            Assert.DoesNotContain("one stream", stderr, StringComparison.Ordinal); // nginx serves ranges
            Assert.Equal(Sha256(Served), Sha256(Output));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private Task<(int Exit, string Stdout, string Stderr)> GetAsync(string url, params string[] options) =>
        SluiceProcess.RunAsync(s_quick, ["get", url, "-o", Output, .. options]);

    private static byte[] Bytes(int seed)
    {
        byte[] bytes = new byte[FileLength];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<ServedProcess> ServeAsync(params string[] options)
    {
        SluiceProcess sluice = SluiceProcess.Start(["serve", Root, "--port", "0", .. options]);
        Task<string> serving = sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        if (await Task.WhenAny(serving, sluice.WaitForExitAsync(s_quick)) != serving)
        {
            await sluice.DisposeAsync();
            throw new InvalidOperationException($"sluice serve {string.Join(' ', options)} did not start:\n{sluice.Stderr}");
        }

        string line = await serving;
        return new ServedProcess(sluice, int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
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
