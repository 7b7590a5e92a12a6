using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Auth;

// --public must be decided on the file the kernel resolved, not on the request path: an in-root
// symlink from the public directory into a protected one must not publish the protected file.
// Tree (below the served root):
//   pub/open.txt                       public bytes
//   pub/alias.txt  -> open.txt         a link that stays public
//   pub/link.txt   -> ../secret/s.txt  a file link into the protected directory
//   pub/d          -> ../secret        a directory link into it
//   pub/idx/index.html -> ../../secret/s.txt
//   pub/x.txt, pub/x.txt.gz -> ../../secret/y.gz   a precompressed sibling that is secret
//   secret/s.txt, secret/y.gz
// Every case runs confined (the default: RESOLVE_BENEATH still follows in-root links) and with
// --follow-symlinks.
public sealed class PublicSymlinkTests
{
    private const string OpenText = "public bytes\n";
    private const string SecretText = "protected: must need credentials\n";
    private const string XText = "the identity x.txt, public\n";

    private static readonly string s_bobHash = Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations);
    private static readonly string s_bob = $"Authorization: {BasicCredentials.Format("bob", "b0b-secret")}\r\n";

    private static TestServer Start(bool followSymlinks, bool precompressed = false)
    {
        TestServer server = TestServer.Start(configure: o => o with
        {
            FollowSymlinks = followSymlinks,
            Precompressed = precompressed,
            Auth = new AuthOptions { Entries = ["bob:" + s_bobHash], PublicPrefixes = ["/pub"] },
        });
        string pub = server.PathOf("pub");
        string secret = server.PathOf("secret");
        Directory.CreateDirectory(pub);
        Directory.CreateDirectory(secret);
        Directory.CreateDirectory(Path.Combine(pub, "idx"));
        File.WriteAllText(Path.Combine(pub, "open.txt"), OpenText);
        File.WriteAllText(Path.Combine(pub, "x.txt"), XText);
        File.WriteAllText(Path.Combine(secret, "s.txt"), SecretText);
        File.WriteAllBytes(Path.Combine(secret, "y.gz"), Gzip(SecretText));
        File.CreateSymbolicLink(Path.Combine(pub, "alias.txt"), "open.txt");
        File.CreateSymbolicLink(Path.Combine(pub, "link.txt"), "../secret/s.txt");
        Directory.CreateSymbolicLink(Path.Combine(pub, "d"), "../secret");
        File.CreateSymbolicLink(Path.Combine(pub, "idx", "index.html"), "../../secret/s.txt");
        File.CreateSymbolicLink(Path.Combine(pub, "x.txt.gz"), "../secret/y.gz");
        // The sibling must be newer than the original to be usable (PrecompressedVariant.IsUsable).
        File.SetLastWriteTimeUtc(Path.Combine(pub, "x.txt"), DateTime.UtcNow.AddMinutes(-5));
        return server;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FileLinkIntoProtectedDirectoryGetsTheSame401AsAProtectedPath(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse linked = await server.GetAsync("/pub/link.txt");
        RawResponse linkedHead = await server.GetAsync("/pub/link.txt", method: "HEAD");
        RawResponse protectedPath = await server.GetAsync("/secret/s.txt");

        Assert.Equal(401, linked.Status);
        Assert.Equal(protectedPath.Status, linked.Status);
        Assert.Equal(protectedPath.RequireHeader("WWW-Authenticate"), linked.RequireHeader("WWW-Authenticate"));
        Assert.Equal(protectedPath.BodyText, linked.BodyText);
        Assert.Equal(401, linkedHead.Status);
        // Asking without credentials is no failed attempt: the rate limit is not charged.
        Assert.Equal(0, server.Server.Counters.Auth.Failed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PublicFilesAndLinksThatStayPublicAreServed(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse open = await server.GetAsync("/pub/open.txt");
        RawResponse alias = await server.GetAsync("/pub/alias.txt");

        Assert.Equal(200, open.Status);
        Assert.Equal(Sha256(OpenText), Sha256(open.Body));
        Assert.Equal(200, alias.Status);
        Assert.Equal(Sha256(OpenText), Sha256(alias.Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidCredentialsStillReachTheLinkedFile(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse withCredentials = await server.GetAsync("/pub/link.txt", s_bob);
        RawResponse wrongCredentials = await server.GetAsync("/pub/link.txt", $"Authorization: {BasicCredentials.Format("bob", "guess")}\r\n");

        Assert.Equal(200, withCredentials.Status);
        Assert.Equal(Sha256(SecretText), Sha256(withCredentials.Body));
        Assert.Equal(401, wrongCredentials.Status);
        Assert.Equal(1, server.Server.Counters.Auth.Failed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DirectoryLinkIntoProtectedDirectoryGets401(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse file = await server.GetAsync("/pub/d/s.txt");
        RawResponse listing = await server.GetAsync("/pub/d/");

        Assert.Equal(401, file.Status);
        Assert.DoesNotContain("protected", file.BodyText, StringComparison.Ordinal);
        Assert.Equal(401, listing.Status);
        Assert.DoesNotContain("s.txt", listing.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IndexFileLinkIntoProtectedDirectoryGets401(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse index = await server.GetAsync("/pub/idx/");

        Assert.Equal(401, index.Status);
        Assert.DoesNotContain("protected", index.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PublicListingHidesLinksThatLeaveThePublicPrefix(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks);

        RawResponse listing = await server.GetAsync("/pub/");

        Assert.Equal(200, listing.Status);
        Assert.Contains("open.txt", listing.BodyText, StringComparison.Ordinal);
        Assert.Contains("alias.txt", listing.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("link.txt", listing.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"d/\"", listing.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("x.txt.gz", listing.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PrecompressedSiblingOutsideThePublicPrefixIsPassedOver(bool followSymlinks)
    {
        await using TestServer server = Start(followSymlinks, precompressed: true);

        RawResponse response = await server.GetAsync("/pub/x.txt", "Accept-Encoding: gzip\r\n");
        RawResponse sibling = await server.GetAsync("/pub/x.txt.gz");

        Assert.Equal(200, response.Status);
        Assert.Null(response.Header("Content-Encoding"));
        Assert.Equal(Sha256(XText), Sha256(response.Body));
        Assert.Equal(401, sibling.Status);
    }

    // The open-file cache keeps a descriptor per request path: a hit must still answer where the
    // file really is. The first request (with credentials) caches pub/link.txt; the second is a hit.
    [Fact]
    public async Task OpenFileCacheHitIsCheckedToo()
    {
        await using TestServer server = Start(followSymlinks: false);

        Assert.Equal(200, (await server.GetAsync("/pub/link.txt", s_bob)).Status);
        long hits = server.Server.OpenFiles.Hits;
        RawResponse hit = await server.GetAsync("/pub/link.txt");

        Assert.Equal(hits + 1, server.Server.OpenFiles.Hits);
        Assert.Equal(401, hit.Status);
    }

    // Cache off and every open on the disk engine: the engine's route checks as the inline one does.
    [Fact]
    public async Task OpensOnTheDiskEngineAreCheckedToo()
    {
        await using TestServer server = TestServer.Start(configure: o => o with
        {
            OpenFileCacheEntries = 0,
            Auth = new AuthOptions { Entries = ["bob:" + s_bobHash], PublicPrefixes = ["/pub"] },
        });
        Directory.CreateDirectory(server.PathOf("pub"));
        Directory.CreateDirectory(server.PathOf("secret"));
        File.WriteAllText(server.PathOf("secret/s.txt"), SecretText);
        File.CreateSymbolicLink(server.PathOf("pub/link.txt"), "../secret/s.txt");
        server.Server.Handler.ForceEngineOpens = true;
        long engineOpens = server.Server.Handler.EngineOpens;

        RawResponse response = await server.GetAsync("/pub/link.txt");

        Assert.True(server.Server.Handler.EngineOpens > engineOpens);
        Assert.Equal(401, response.Status);
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    private static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
