using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

// Black-box: `sluice hash-password` output used by `sluice serve --auth`, and the start-time refusal.
public sealed partial class AuthCommandTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-auth-" + Guid.NewGuid().ToString("N"));

    public AuthCommandTests()
    {
        Directory.CreateDirectory(_directory);
        byte[] data = RandomNumberGenerator.GetBytes(200_000);
        File.WriteAllBytes(Path.Combine(_directory, "data.bin"), data);
    }

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
    public async Task HashFromHashPasswordLetsTheUserIn()
    {
        (int exit, string stdout, string stderr) = await HashPasswordAsync("s3cret words\n", "--user", "carol", "--iterations", "100000");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        string line = stdout.Trim();
        Assert.Matches(@"^carol:\$pbkdf2-sha256\$100000\$[A-Za-z0-9./]+\$[A-Za-z0-9./]+$", line);

        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--auth", line);
        string serving = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(serving).Groups[1].Value, CultureInfo.InvariantCulture);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var uri = new Uri($"http://127.0.0.1:{port}/data.bin");
        using (HttpResponseMessage anonymous = await client.GetAsync(uri))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic realm=\"sluice\", charset=\"UTF-8\"", anonymous.Headers.WwwAuthenticate.ToString());
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("carol:s3cret words")));
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_directory, "data.bin")))),
            Convert.ToHexString(SHA256.HashData(await response.Content.ReadAsByteArrayAsync())));
    }

    [Fact]
    public async Task HashPasswordRefusesAnEmptyPasswordAndWeakIterations()
    {
        (int emptyExit, _, string emptyError) = await HashPasswordAsync("\n");
        (int weakExit, _, string weakError) = await HashPasswordAsync("pw\n", "--iterations", "1000");

        Assert.Equal(2, emptyExit);
        Assert.Contains("empty password", emptyError, StringComparison.Ordinal);
        Assert.Equal(2, weakExit);
        Assert.Contains("--iterations", weakError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BasicOverPlainHttpOnANetworkAddressIsRefusedAtStart()
    {
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(
            s_quick, "serve", _directory, "--host", "0.0.0.0", "--port", "0", "--auth", "bob:$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk");

        Assert.Equal(2, exit);
        Assert.Contains("sluice: refusing HTTP Basic auth over plain HTTP on 0.0.0.0", stderr, StringComparison.Ordinal);
        Assert.Contains("--auth-insecure-http", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadAuthFileLineFailsTheStartWithItsLineNumber()
    {
        string file = Path.Combine(_directory, "users");
        await File.WriteAllTextAsync(file, "# users\ncarol:$apr1$rjcFVP3S$k4gGKr7qI3p47L27oGHSy.\n");

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "0", "--auth-file", file);

        Assert.Equal(2, exit);
        Assert.Contains($"{file}:2: user 'carol': unsupported password hash", stderr, StringComparison.Ordinal);
    }

    // stdin is a pipe here, so hash-password reads one line without prompting.
    private static async Task<(int Exit, string Stdout, string Stderr)> HashPasswordAsync(string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(SluiceProcess.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SluiceProcess.SluiceDll);
        start.ArgumentList.Add("hash-password");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(s_quick);
            await process.WaitForExitAsync(cts.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
