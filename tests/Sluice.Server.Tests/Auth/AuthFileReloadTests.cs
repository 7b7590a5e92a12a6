using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Auth;

// SIGHUP re-reads --auth-file (SluiceServer.ReloadAuthFile is what the signal handler calls):
// new credentials apply at once, remembered successes are forgotten, a broken file keeps the old.
public sealed class AuthFileReloadTests : IDisposable
{
    private static readonly string s_oldHash = Pbkdf2Password.Create("old-secret", Pbkdf2Password.MinIterations);
    private static readonly string s_newHash = Pbkdf2Password.Create("new-secret", Pbkdf2Password.MinIterations);

    private readonly string _file = Path.Combine(Path.GetTempPath(), "sluice-auth-reload-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_file);

    private static string Header(string user, string password) => $"Authorization: {BasicCredentials.Format(user, password)}\r\n";

    private TestServer Start()
    {
        File.WriteAllText(_file, $"bob:{s_oldHash}\n");
        return TestServer.Start(configure: o => o with { Auth = new AuthOptions { File = _file } });
    }

    [Fact]
    public async Task ReloadAppliesTheNewFileAndForgetsCachedSuccesses()
    {
        await using TestServer server = Start();
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", Header("bob", "old-secret"))).Status); // now cached

        File.WriteAllText(_file, $"bob:{s_newHash}\ncarol:{s_oldHash}\n");
        Assert.True(server.Server.ReloadAuthFile());

        // Without clearing the cache the old password would still pass for its TTL (60 s).
        Assert.Equal(401, (await server.GetAsync("/tiny.txt", Header("bob", "old-secret"))).Status);
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", Header("bob", "new-secret"))).Status);
        Assert.Equal(200, (await server.GetAsync("/tiny.txt", Header("carol", "old-secret"))).Status);
        Assert.Equal(2, server.Server.Auth!.UserCount);
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains($"access control: reloaded {_file}, 2 user(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
    }

    [Theory]
    [InlineData("bob:not-a-hash\n")]
    [InlineData("# everyone removed\n")]
    [InlineData(null)]
    public async Task ABrokenFileKeepsTheCurrentUsersWithOneErrorLine(string? content)
    {
        await using TestServer server = Start();
        if (content is null)
        {
            File.Delete(_file);
        }
        else
        {
            File.WriteAllText(_file, content);
        }

        Assert.False(server.Server.ReloadAuthFile());

        Assert.Equal(200, (await server.GetAsync("/tiny.txt", Header("bob", "old-secret"))).Status);
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("reload of", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
        string line = Assert.Single(server.DiagnosticsLog.Split('\n'), l => l.Contains("reload of", StringComparison.Ordinal));
        Assert.StartsWith($"sluice: warning: access control: reload of {_file} failed, keeping the current 1 user(s): ", line, StringComparison.Ordinal);
    }
}
