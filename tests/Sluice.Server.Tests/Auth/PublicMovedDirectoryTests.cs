using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Auth;

// A directory moved out of --public while its files sit in the open-file cache. Renaming a
// directory touches neither the inode nor the ctime of the files in it, so a cache hit for
// "pub/mv/f.txt" still validates once "pub/mv" is a link to "../secret/mv"; the resolved path
// the entry remembered ("pub/mv/f.txt") is stale, and --public must not be decided on it.
public sealed class PublicMovedDirectoryTests
{
    private const string MovedText = "was public, now protected\n";

    private static TestServer Start() => TestServer.Start(configure: o => o with
    {
        Precompressed = true,
        Auth = new AuthOptions { Entries = ["bob:" + Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations)], PublicPrefixes = ["/pub"] },
    });

    [Fact]
    public async Task CachedFileOfADirectoryMovedOutOfPublicNeedsCredentials()
    {
        await using TestServer server = Start();
        string pubDir = server.PathOf("pub/mv");
        Directory.CreateDirectory(pubDir);
        Directory.CreateDirectory(server.PathOf("secret"));
        File.WriteAllText(Path.Combine(pubDir, "f.txt"), MovedText);

        RawResponse before = await server.GetAsync("/pub/mv/f.txt");
        Assert.Equal(200, before.Status);
        Assert.Equal(Sha256(MovedText), Convert.ToHexString(SHA256.HashData(before.Body)));

        Directory.Move(pubDir, server.PathOf("secret/mv"));
        Directory.CreateSymbolicLink(pubDir, "../secret/mv");
        long hits = server.Server.OpenFiles.Hits;

        RawResponse after = await server.GetAsync("/pub/mv/f.txt");

        // The request was answered from the cache (the case this test is about) and refused.
        Assert.True(server.Server.OpenFiles.Hits > hits);
        Assert.Equal(401, after.Status);
        Assert.DoesNotContain(MovedText, after.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CachedPrecompressedSiblingOfADirectoryMovedOutOfPublicIsPassedOver()
    {
        await using TestServer server = Start();
        string pubDir = server.PathOf("pub/z");
        string secretDir = server.PathOf("secret/z");
        Directory.CreateDirectory(pubDir);
        Directory.CreateDirectory(secretDir);
        // pub/x.txt stays public; its sibling pub/x.txt.gz -> z/y.gz is public until z moves.
        File.WriteAllText(server.PathOf("pub/x.txt"), "identity x\n");
        File.SetLastWriteTimeUtc(server.PathOf("pub/x.txt"), DateTime.UtcNow.AddMinutes(-5));
        File.WriteAllBytes(Path.Combine(pubDir, "y.gz"), Gzip(MovedText));
        File.CreateSymbolicLink(server.PathOf("pub/x.txt.gz"), "z/y.gz");

        RawResponse before = await server.GetAsync("/pub/x.txt", "Accept-Encoding: gzip\r\n");
        Assert.Equal("gzip", before.RequireHeader("Content-Encoding"));

        Directory.Delete(secretDir);
        Directory.Move(pubDir, secretDir);
        Directory.CreateSymbolicLink(pubDir, "../secret/z");
        long hits = server.Server.OpenFiles.Hits;

        RawResponse after = await server.GetAsync("/pub/x.txt", "Accept-Encoding: gzip\r\n");

        Assert.True(server.Server.OpenFiles.Hits > hits);
        Assert.Equal(200, after.Status);
        Assert.Null(after.Header("Content-Encoding"));
        Assert.Equal("identity x\n", after.BodyText);
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

    private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
