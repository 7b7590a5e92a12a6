using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Archive;

// An archive needs what its directory needs, and holds only what a request for each member
// would be given: under --public, members that resolve outside the public prefixes are left out;
// links out of the root are left out even with --follow-symlinks.
//   pub/open.txt, pub/alias.txt -> open.txt     public
//   pub/link.txt -> ../secret/s.txt, pub/d -> ../secret   protected behind public names
//   pub/out.txt -> <base>/secret.txt            outside the root
//   secret/s.txt
public sealed class ArchiveAccessTests
{
    private static readonly string s_bobHash = Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PublicArchiveLeavesOutWhatResolvesOutsideThePublicPrefix(bool followSymlinks)
    {
        await using TestServer server = TestServer.Start(configure: o => o with
        {
            FollowSymlinks = followSymlinks,
            Auth = new AuthOptions { Entries = ["bob:" + s_bobHash], PublicPrefixes = ["/pub"] },
        });
        string pub = Directory.CreateDirectory(server.PathOf("pub")).FullName;
        string secret = Directory.CreateDirectory(server.PathOf("secret")).FullName;
        File.WriteAllText(Path.Combine(pub, "open.txt"), "public bytes\n");
        File.WriteAllText(Path.Combine(secret, "s.txt"), "protected\n");
        File.CreateSymbolicLink(Path.Combine(pub, "alias.txt"), "open.txt");
        File.CreateSymbolicLink(Path.Combine(pub, "link.txt"), "../secret/s.txt");
        Directory.CreateSymbolicLink(Path.Combine(pub, "d"), "../secret");
        File.CreateSymbolicLink(Path.Combine(pub, "out.txt"), server.SecretPath);

        (RawResponse head, byte[] body) = await ArchiveTests.GetArchiveAsync(server, "/pub/?archive=tar");
        RawResponse protectedArchive = await server.GetAsync("/secret/?archive=tar");

        Assert.Equal(200, head.Status);
        Assert.Equal(401, protectedArchive.Status);
        (byte[] payload, bool complete) = TarProcess.Dechunk(body);
        Assert.True(complete);
        string work = Directory.CreateDirectory(DiskDirectory.NewPath("sluice-tar-")).FullName;
        try
        {
            string archive = Path.Combine(work, "pub.tar");
            File.WriteAllBytes(archive, payload);
            await TarProcess.ExtractAsync(archive, Path.Combine(work, "out"));
            (Dictionary<string, string> files, SortedSet<string> directories) = TarProcess.Snapshot(Path.Combine(work, "out", "pub"));
            Assert.Equal(["alias.txt", "open.txt"], files.Keys.Order(StringComparer.Ordinal));
            Assert.Empty(directories);
            Assert.Equal(Fixtures.Sha256OfFile(Path.Combine(pub, "open.txt")), files["alias.txt"]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
