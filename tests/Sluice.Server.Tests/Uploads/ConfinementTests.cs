using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// Writes are confined as reads are, and stricter: never through a symlink, never to a dotfile.
public sealed class ConfinementTests
{
    private static readonly byte[] s_payload = Encoding.ASCII.GetBytes("written by a test\n");

    [Theory]
    [InlineData("/../escaped.txt")]
    [InlineData("/%2e%2e/escaped.txt")]
    [InlineData("/listing/%2e%2e/%2e%2e/escaped.txt")]
    public async Task DotDotNeverLeavesTheRoot(string target)
    {
        await using var server = StartWithUploads();
        Assert.Equal(400, (await PutAsync(server, target, s_payload)).Status);
        Assert.False(File.Exists(Path.Combine(server.BaseDirectory, "escaped.txt")));
    }

    [Fact]
    public async Task ASymlinkedTargetIsRefusedAndItsFileUntouched()
    {
        await using var server = StartWithUploads();
        string before = Fixtures.Sha256OfFile(server.PathOf("blocks.bin"));
        Assert.Equal(403, (await PutAsync(server, "/link-in", s_payload)).Status);
        Assert.Equal(403, (await PutAsync(server, "/link-out", s_payload)).Status);
        Assert.Equal(before, Fixtures.Sha256OfFile(server.PathOf("blocks.bin")));
        Assert.Equal(TestServer.SecretText, File.ReadAllText(server.SecretPath));
        Assert.Equal(403, (await SendAsync(server, "DELETE", "/link-in")).Status);
        Assert.True(File.Exists(server.PathOf("link-in")));
    }

    [Fact]
    public async Task ASymlinkedParentDirectoryIsRefused()
    {
        await using var server = StartWithUploads(server: o => o with { FollowSymlinks = true });
        // One link inside the root, one out of it; reads may follow them (--follow-symlinks), writes never.
        File.CreateSymbolicLink(server.PathOf("dir-in"), server.PathOf("listing"));
        File.CreateSymbolicLink(server.PathOf("dir-out"), server.BaseDirectory);
        Assert.Equal(403, (await PutAsync(server, "/dir-in/x.txt", s_payload)).Status);
        Assert.Equal(403, (await PutAsync(server, "/dir-out/x.txt", s_payload)).Status);
        Assert.Equal(403, (await SendAsync(server, "MKCOL", "/dir-out/newdir")).Status);
        Assert.False(File.Exists(server.PathOf("listing/x.txt")));
        Assert.False(File.Exists(Path.Combine(server.BaseDirectory, "x.txt")));
        Assert.False(Directory.Exists(Path.Combine(server.BaseDirectory, "newdir")));
    }

    [Theory]
    [InlineData("/.git/hooks/pre-commit")]
    [InlineData("/.env")]
    [InlineData("/listing/.hidden")]
    public async Task DotfilesAreNotWritable(string target)
    {
        await using var server = StartWithUploads();
        string hidden = server.PathOf("listing/.hidden");
        string before = File.ReadAllText(hidden);
        Assert.Equal(404, (await PutAsync(server, target, s_payload)).Status);
        Assert.Equal(404, (await SendAsync(server, "DELETE", target)).Status);
        Assert.Equal(before, File.ReadAllText(hidden));
        Assert.False(File.Exists(server.PathOf(".env")));
    }
}
