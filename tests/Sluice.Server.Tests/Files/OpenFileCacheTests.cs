using System.Text;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// The open-file cache reuses descriptors of hot files but never serves a file that changed or
// was replaced since it was cached.
public sealed class OpenFileCacheTests
{
    [Fact]
    public async Task ASecondRequestIsAHit()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        long hits = server.Server.OpenFiles.Hits;
        RawResponse again = await server.GetAsync("/tiny.txt");
        Assert.Equal(TestServer.TinyText, again.BodyText);
        Assert.Equal(hits + 1, server.Server.OpenFiles.Hits);
    }

    [Fact]
    public async Task AFileReplacedByRenameIsNeverServedStale()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("replaced.txt");
        await File.WriteAllTextAsync(path, "first version\n");
        Assert.Equal("first version\n", (await server.GetAsync("/replaced.txt")).BodyText);
        Assert.Equal("first version\n", (await server.GetAsync("/replaced.txt")).BodyText);

        string temporary = server.PathOf(".replaced.tmp");
        await File.WriteAllTextAsync(temporary, "second version, longer\n");
        File.Move(temporary, path, overwrite: true);

        Assert.Equal("second version, longer\n", (await server.GetAsync("/replaced.txt")).BodyText);
        Assert.True(server.Server.OpenFiles.Stale >= 1);
    }

    [Fact]
    public async Task AFileRewrittenInPlaceWithTheSameSizeIsNeverServedStale()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Buffered);
        string path = server.PathOf("rewritten.txt");
        await File.WriteAllTextAsync(path, "AAAAAAAA\n");
        RawResponse before = await server.GetAsync("/rewritten.txt");
        Assert.Equal("AAAAAAAA\n", before.BodyText);

        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("BBBBBBBB\n"));
        }

        RawResponse after = await server.GetAsync("/rewritten.txt");
        Assert.Equal("BBBBBBBB\n", after.BodyText);
        Assert.NotEqual(before.Header("ETag"), after.Header("ETag"));
    }

    [Fact]
    public async Task ADeletedFileIs404EvenWhileCached()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("doomed.txt");
        await File.WriteAllTextAsync(path, "soon gone\n");
        Assert.Equal(200, (await server.GetAsync("/doomed.txt")).Status);
        File.Delete(path);
        Assert.Equal(404, (await server.GetAsync("/doomed.txt")).Status);
    }

    [Fact]
    public async Task TheSweepDropsADeletedFileSoItsSpaceIsFreed()
    {
        TimeSpan period = TimeSpan.FromMilliseconds(200);
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { OpenFileCacheSweepPeriod = period });
        string path = server.PathOf("deleted-later.txt");
        await File.WriteAllTextAsync(path, "keeps its blocks while a descriptor is open\n");
        Assert.Equal(200, (await server.GetAsync("/deleted-later.txt")).Status);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        int cached = server.Server.OpenFiles.Count;
        Assert.Equal(1, Wait.DescriptorsOpenOn("deleted-later.txt"));

        // No request names the file again: only the sweep can notice that it is gone.
        File.Delete(path);
        bool dropped = await Wait.UntilAsync(
            () => Wait.DescriptorsOpenOn("deleted-later.txt (deleted)") == 0 && server.Server.OpenFiles.Count == cached - 1,
            period * 10);
        Assert.True(dropped, $"after {period * 10}: {Wait.DescriptorsOpenOn("deleted-later.txt (deleted)")} descriptor(s) on the deleted file, {server.Server.OpenFiles.Count} cached");
        Assert.True(server.Server.OpenFiles.Swept >= 1);
    }

    [Fact]
    public async Task TheCacheIsBounded()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { OpenFileCacheEntries = 4 });
        for (int i = 0; i < 12; i++)
        {
            string name = $"many-{i}.txt";
            await File.WriteAllTextAsync(server.PathOf(name), $"file {i}\n");
            Assert.Equal($"file {i}\n", (await server.GetAsync("/" + name)).BodyText);
        }

        Assert.InRange(server.Server.OpenFiles.Count, 1, 4);
    }
}
