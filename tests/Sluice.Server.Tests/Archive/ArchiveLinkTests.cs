using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Archive;

// Symlinks inside the root are followed (as requests follow them), so links can make one
// directory reachable along many paths: a chain whose every directory holds two links to the
// next one has 2^depth paths to its last directory. A directory reached through a link is
// archived once; without that, one request for this 10-level chain made over a thousand members.
public sealed class ArchiveLinkTests
{
    private const int Depth = 10;

    [Fact]
    public async Task ADirectoryReachedThroughLinksIsArchivedOnce()
    {
        await using var server = TestServer.Start();
        string top = server.PathOf("chain");
        for (int level = 0; level <= Depth; level++)
        {
            string directory = Path.Combine(top, "c" + level);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "f.txt"), "level " + level + "\n");
            if (level < Depth)
            {
                File.CreateSymbolicLink(Path.Combine(directory, "a"), "../c" + (level + 1));
                File.CreateSymbolicLink(Path.Combine(directory, "b"), "../c" + (level + 1));
            }
        }

        (RawResponse response, byte[] body) = await ArchiveTests.GetArchiveAsync(server, "/chain/?archive=tar");
        (byte[] payload, bool complete) = TarProcess.Dechunk(body);

        Assert.Equal(200, response.Status);
        Assert.True(complete, "the archive ended with its last chunk");
        int members = Count(payload, "/f.txt\0"u8);
        // Each level's file once as itself (chain/cK/f.txt) and at most once more through the
        // first link that reaches its directory.
        Assert.True(members >= Depth + 1 && members <= 2 * (Depth + 1), $"{members} f.txt members for {Depth + 1} levels");
    }

    private static int Count(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        int count = 0;
        for (int at = haystack.IndexOf(needle); at >= 0; at = haystack.IndexOf(needle))
        {
            count++;
            haystack = haystack[(at + needle.Length)..];
        }

        return count;
    }
}
