using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Auth;

namespace Sluice.Cli.Tests;

// `sluice serve --auth-file` as an operator runs it: SIGHUP re-reads the file (as it reloads the
// TLS certificate) without ending the process; without TLS too.
public sealed partial class ServeAuthReloadTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-auth-reload-" + Guid.NewGuid().ToString("N"));

    public ServeAuthReloadTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "root"));
        File.WriteAllText(Path.Combine(_directory, "root", "hello.txt"), "hello\n");
    }

    private string AuthFile => Path.Combine(_directory, "users");

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
    public async Task SighupRereadsTheAuthFile()
    {
        File.WriteAllText(AuthFile, "bob:" + Pbkdf2Password.Create("old-secret", Pbkdf2Password.MinIterations) + "\n");
        await using SluiceProcess sluice = SluiceProcess.Start("serve", Path.Combine(_directory, "root"), "--port", "0", "--auth-file", AuthFile);
        string serving = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(serving).Groups[1].Value, CultureInfo.InvariantCulture);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, port, "bob:old-secret"));

        File.WriteAllText(AuthFile, "bob:" + Pbkdf2Password.Create("new-secret", Pbkdf2Password.MinIterations) + "\n");
        await sluice.SendSignalAsync("HUP");
        await sluice.WaitForStderrLineAsync(l => l.Contains($"access control: reloaded {AuthFile}, 1 user(s)", StringComparison.Ordinal), s_quick);

        Assert.False(sluice.HasExited, $"SIGHUP ended the process:\n{sluice.Stderr}");
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(client, port, "bob:old-secret"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, port, "bob:new-secret"));
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, int port, string credentials)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/hello.txt");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        using HttpResponseMessage response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
