using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Archive;

// GET /dir/?archive=tar against the real server: downloaded by curl (which fails on a chunked
// body cut short), extracted by GNU tar, every file compared by SHA-256 with the served tree.
public sealed class ArchiveTests
{
    private static readonly string s_longName = new string('L', 146) + ".bin"; // 150 characters

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task FolderArchiveExtractsToTheSameFiles(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string pack = BuildPack(server);

        string work = DiskDirectory.NewPath("sluice-tar-");
        try
        {
            string archive = Path.Combine(Directory.CreateDirectory(work).FullName, "pack.tar");
            (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", archive, $"{server.BaseUri}pack/?archive=tar");
            Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
            await TarProcess.ExtractAsync(archive, Path.Combine(work, "out"));

            (Dictionary<string, string> files, SortedSet<string> directories) = TarProcess.Snapshot(Path.Combine(work, "out", "pack"));
            (Dictionary<string, string> expectedFiles, SortedSet<string> expectedDirectories) = Expected(pack);
            Assert.Equal(expectedDirectories, directories);
            Assert.Equal(expectedFiles.OrderBy(f => f.Key, StringComparer.Ordinal), files.OrderBy(f => f.Key, StringComparer.Ordinal));
            // Nothing else was extracted beside the folder.
            Assert.Equal(["pack"], Directory.GetFileSystemEntries(Path.Combine(work, "out")).Select(Path.GetFileName));
            Assert.Contains(s_longName, files.Keys.Select(Path.GetFileName));
            Assert.Contains("café €.txt", files.Keys);
            Assert.Equal(0, server.Server.Handler.Archives.OpenFiles);
            Assert.Equal(0, server.Server.Handler.Archives.OpenDirectories);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Linux names are bytes: a member whose name is not UTF-8 is archived with exactly its bytes
    // (without the byte-exact directory reader it was skipped, its open failing on a U+FFFD name).
    [Fact]
    public async Task NamesThatAreNotUtf8AreArchivedWithTheirBytes()
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf("raw"));
        byte[] latin1 = [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'.', (byte)'t', (byte)'x', (byte)'t'];
        byte[] badDirectory = [0xFF, 0xFE];
        byte[] first = new byte[70_000];
        new Random(41).NextBytes(first);
        byte[] second = new byte[513];
        new Random(42).NextBytes(second);
        RawNames.CreateFile(RawNames.Join(server.PathOf("raw"), latin1), first);
        RawNames.CreateDirectory(RawNames.Join(server.PathOf("raw"), badDirectory));
        RawNames.CreateFile(RawNames.Join(server.PathOf("raw"), badDirectory, "inner.bin"u8.ToArray()), second);

        string work = DiskDirectory.NewPath("sluice-tar-");
        try
        {
            string archive = Path.Combine(Directory.CreateDirectory(work).FullName, "raw.tar");
            (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", archive, $"{server.BaseUri}raw/?archive=tar");
            Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
            await TarProcess.ExtractAsync(archive, Path.Combine(work, "out"));

            string extracted = Path.Combine(work, "out", "raw");
            Assert.Equal(Fixtures.Sha256(first), Fixtures.Sha256(RawNames.ReadFile(RawNames.Join(extracted, latin1)) ?? []));
            Assert.Equal(Fixtures.Sha256(second), Fixtures.Sha256(RawNames.ReadFile(RawNames.Join(extracted, badDirectory, "inner.bin"u8.ToArray())) ?? []));
        }
        finally
        {
            RawNames.DeleteTree(work);
        }
    }

    [Fact]
    public async Task HeadAnswersTheArchiveFieldsWithoutABody()
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf("café"));
        File.WriteAllText(server.PathOf("café/x.txt"), "x");

        RawResponse head = await server.GetAsync("/caf%C3%A9/?archive=tar", method: "HEAD");
        (RawResponse get, byte[] body) = await GetArchiveAsync(server, "/caf%C3%A9/?archive=tar");

        foreach (RawResponse response in new[] { head, get })
        {
            Assert.Equal(200, response.Status);
            Assert.Equal("application/x-tar", response.Header("Content-Type"));
            Assert.Equal("attachment; filename=\"caf_.tar\"; filename*=UTF-8''caf%C3%A9.tar", response.Header("Content-Disposition"));
            Assert.Equal("none", response.Header("Accept-Ranges"));
            Assert.Equal("chunked", response.Header("Transfer-Encoding"));
            Assert.Null(response.Header("Content-Length"));
            Assert.Null(response.Header("ETag"));
            Assert.Null(response.Header("Last-Modified"));
        }

        Assert.Empty(head.Body);
        Assert.True(TarProcess.Dechunk(body).Complete);
        Assert.Equal(0, server.Server.Handler.Archives.OpenDirectories);
    }

    [Fact]
    public async Task RangeIsIgnoredAndOtherFormatsAreRefused()
    {
        await using var server = TestServer.Start();
        (RawResponse ranged, byte[] body) = await GetArchiveAsync(server, "/listing/?archive=tar", "Range: bytes=0-9\r\n");
        RawResponse zip = await server.GetAsync("/listing/?archive=zip");

        Assert.Equal(200, ranged.Status);
        Assert.Null(ranged.Header("Content-Range"));
        (byte[] payload, bool complete) = TarProcess.Dechunk(body);
        Assert.True(complete);
        Assert.True(payload.Length > 10);
        Assert.Equal(400, zip.Status);
    }

    [Fact]
    public async Task Http10GetsACloseDelimitedArchive()
    {
        await using var server = TestServer.Start();
        string pack = BuildPack(server);
        string work = DiskDirectory.NewPath("sluice-tar-");
        try
        {
            await using RawHttpConnection connection = await server.ConnectAsync();
            await connection.SendAsync("GET /pack/?archive=tar HTTP/1.0\r\n\r\n");
            RawResponse head = await connection.ReadHeadAsync();
            byte[] body = await connection.ReadToEndAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(200, head.Status);
            Assert.Null(head.Header("Transfer-Encoding"));
            Assert.Equal("close", head.Header("Connection"));
            string archive = Path.Combine(Directory.CreateDirectory(work).FullName, "pack.tar");
            File.WriteAllBytes(archive, body);
            await TarProcess.ExtractAsync(archive, Path.Combine(work, "out"));
            Assert.Equal(Expected(pack).Files.OrderBy(f => f.Key, StringComparer.Ordinal), TarProcess.Snapshot(Path.Combine(work, "out", "pack")).Files.OrderBy(f => f.Key, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // The folder every extraction test archives: nested directories, an empty file and an empty
    // directory, a file over 1 MiB, exact multiples of 512, a 150-character name, a non-ASCII
    // name, an in-root link (archived as its target's bytes), and what must never be archived:
    // dotfiles, a hidden directory, a link out of the root.
    private static string BuildPack(TestServer server)
    {
        string pack = server.PathOf("pack");
        Directory.CreateDirectory(Path.Combine(pack, "nested", "deeper", "deepest"));
        Directory.CreateDirectory(Path.Combine(pack, "emptydir"));
        Directory.CreateDirectory(Path.Combine(pack, ".git"));
        File.WriteAllText(Path.Combine(pack, "a.txt"), "hello, tar\n");
        File.WriteAllBytes(Path.Combine(pack, "empty.bin"), []);
        Fixtures.WriteRandomFile(Path.Combine(pack, "exact512.bin"), 512, seed: 1);
        Fixtures.WriteRandomFile(Path.Combine(pack, "exact1024.bin"), 1024, seed: 2);
        Fixtures.WriteRandomFile(Path.Combine(pack, "big.bin"), (1024 * 1024) + 17, seed: 3);
        Fixtures.WriteRandomFile(Path.Combine(pack, "nested", "deeper", "deepest", "n.bin"), 3000, seed: 4);
        Fixtures.WriteRandomFile(Path.Combine(pack, "nested", s_longName), 700, seed: 5);
        File.WriteAllText(Path.Combine(pack, "café €.txt"), "non-ASCII name\n");
        File.WriteAllText(Path.Combine(pack, ".hidden"), "dotfile\n");
        File.WriteAllText(Path.Combine(pack, ".git", "config"), "[core]\n");
        File.CreateSymbolicLink(Path.Combine(pack, "link-in.txt"), "a.txt");
        File.CreateSymbolicLink(Path.Combine(pack, "link-out.txt"), server.SecretPath);
        File.CreateSymbolicLink(Path.Combine(pack, "link-out-rel.txt"), Path.Combine("..", "..", "secret.txt"));
        return pack;
    }

    // What the archive of BuildPack's folder must hold (by default rules: no dotfiles, links
    // inside the root followed, links out of it left out).
    private static (Dictionary<string, string> Files, SortedSet<string> Directories) Expected(string pack)
    {
        (Dictionary<string, string> files, SortedSet<string> directories) = TarProcess.Snapshot(pack);
        files.Remove(".hidden");
        files.Remove(".git/config");
        directories.Remove(".git");
        files.Remove("link-out.txt");
        files.Remove("link-out-rel.txt");
        Assert.Equal(files["a.txt"], files["link-in.txt"]);
        return (files, directories);
    }

    // One request on its own connection (Connection: close); the head and every body byte that
    // arrived before the server closed (or reset) the connection.
    internal static async Task<(RawResponse Head, byte[] Body)> GetArchiveAsync(TestServer server, string target, string extraHeaders = "")
    {
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extraHeaders}Connection: close\r\n\r\n");
        RawResponse head = await connection.ReadHeadAsync();
        return (head, await connection.ReadToEndAsync(TimeSpan.FromSeconds(30)));
    }
}
