using System.Diagnostics;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Operations;

// ETags agree across replicas of one tree (size + nanosecond mtime, not the inode), so a resume
// with If-Range that a balancer sends to another node continues instead of restarting.
public sealed class ReplicaETagTests
{
    private static async Task CopyTreeAsync(string from, string to)
    {
        using Process cp = Process.Start("cp", ["-a", from, to]);
        await cp.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, cp.ExitCode);
    }

    [Fact]
    public async Task TwoCopiesOfATreeGiveTheSameETagAndATouchedFileANewOne()
    {
        await using var server = TestServer.Start();
        string replica = server.PathOf("replica");
        Directory.CreateDirectory(replica);
        await CopyTreeAsync(server.PathOf("blocks.bin"), Path.Combine(replica, "blocks.bin"));
        Assert.NotEqual(new FileInfo(server.PathOf("blocks.bin")).LastWriteTimeUtc, default);

        RawResponse original = await server.GetAsync("/blocks.bin", method: "HEAD");
        RawResponse copy = await server.GetAsync("/replica/blocks.bin", method: "HEAD");
        string tag = original.RequireHeader("ETag");
        Assert.Equal(tag, copy.RequireHeader("ETag")); // another inode, the same tag

        // A resume against the replica with the original's tag gets the range, not the whole file.
        RawResponse resumed = await server.GetAsync("/replica/blocks.bin", $"Range: bytes=100-199\r\nIf-Range: {tag}\r\n");
        Assert.Equal(206, resumed.Status);
        Assert.Equal(Fixtures.Blocks(100, 100), resumed.Body);

        // A new mtime (one nanosecond is enough) is a new tag.
        string path = Path.Combine(replica, "blocks.bin");
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        Assert.NotEqual(tag, (await server.GetAsync("/replica/blocks.bin", method: "HEAD")).RequireHeader("ETag"));
    }

    [Fact]
    public async Task ETagIsMtimeNanosecondsThenSizeInHex()
    {
        await using var server = TestServer.Start();
        string path = server.PathOf("tiny.txt");
        var modified = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        File.SetLastWriteTimeUtc(path, modified);
        long nanoseconds = (modified - DateTime.UnixEpoch).Ticks * 100;

        RawResponse response = await server.GetAsync("/tiny.txt", method: "HEAD");
        Assert.Equal($"\"{nanoseconds:x}-{TestServer.TinyText.Length:x}\"", response.RequireHeader("ETag"));
    }
}
