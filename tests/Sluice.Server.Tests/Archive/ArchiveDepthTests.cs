using Sluice.Server.Archive;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Archive;

// The walk holds one directory per level, at most TarStream.MaxDepth. A tree deeper than that
// used to be archived without its deeper levels, ending with the last chunk like a whole archive:
// a client had no way to see files were missing. It must end as a failed transfer instead.
public sealed class ArchiveDepthTests
{
    [Theory]
    [InlineData(TarStream.MaxDepth - 1, true)]
    [InlineData(TarStream.MaxDepth, false)]
    public async Task ATreeDeeperThanTheWalkEndsTheStreamWithAnError(int levelsBelowTop, bool whole)
    {
        await using var server = TestServer.Start();
        string bottom = server.PathOf("top");
        for (int level = 1; level <= levelsBelowTop; level++)
        {
            bottom = Path.Combine(bottom, "d" + level);
        }

        Directory.CreateDirectory(bottom);
        File.WriteAllText(Path.Combine(bottom, "bottom.txt"), "at the bottom\n");

        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync("GET /top/?archive=tar HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);
        (byte[] payload, bool complete) = TarProcess.Dechunk(await connection.ReadToEndAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(whole, complete);
        // A whole archive holds the bottom file; a cut one must not pass for one that does.
        Assert.Equal(whole, payload.AsSpan().IndexOf("bottom.txt"u8) >= 0);
        // Cut or whole, the archive has its access-log line (a walk that failed used to skip it).
        Assert.True(
            await Wait.UntilAsync(() => server.AccessLog.Contains("GET /top/?archive=tar HTTP/1.1", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            $"no access-log line for the archive:\n{server.AccessLog}");
        Assert.True(
            await Wait.UntilAsync(() => server.Server.Handler.Archives.OpenFiles == 0 && server.Server.Handler.Archives.OpenDirectories == 0, TimeSpan.FromSeconds(10)),
            "the archive kept descriptors open");
    }
}
