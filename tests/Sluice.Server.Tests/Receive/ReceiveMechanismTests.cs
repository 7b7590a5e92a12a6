using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Server.Receive;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tests.Strategies;

namespace Sluice.Server.Tests.Receive;

// Each receive mechanism on a real loopback connection into a real file on the disk-backed test
// directory (ext4 here): the file's bytes are compared by checksum with what the client sent,
// for sizes around the 4 KiB block and the 1 MiB chunk, with part of the body handed over as
// "already buffered behind the head" as the connection does.
public sealed class ReceiveMechanismTests : IDisposable
{
    private readonly string _dir = DiskDirectory.NewPath("sluice-receive-");

    public ReceiveMechanismTests() => Directory.CreateDirectory(_dir);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string mechanism in new[] { "splice", "splice-drop", "dontcache", "direct" })
        {
            foreach (int size in new[] { 0, 1, 4095, 4096, (1024 * 1024) + 7, 64 * 1024 * 1024 })
            {
                data.Add(mechanism, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BodyReachesTheFileByteForByte(string mechanism, int size)
    {
        byte[] body = RandomBytes(size, seed: size);
        int buffered = Math.Min(size / 2, 1000);
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        string path = Path.Combine(_dir, "body.bin");
        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);

        Task sending = rig.SendAsync(body.AsMemory(buffered));
        ReceiveResult result = await ReceiveRig.ReceiveAsync(Create(rig, mechanism), rig.Job(file, 0, size, body.AsMemory(0, buffered)));
        await sending.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
        Assert.Equal(size, result.Bytes);
        Assert.Equal(size, rig.Tally.BytesWritten);
        Assert.Equal(Expected(mechanism), result.Strategy);
        Assert.Equal(size, new FileInfo(path).Length);
        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));
    }

    // A resumed upload (tus PATCH) starts mid-block: O_DIRECT needs aligned offsets, so the head up
    // to the next block boundary goes through the page cache; the bytes before the offset stay.
    [Theory]
    [InlineData("direct")]
    [InlineData("dontcache")]
    [InlineData("splice-drop")]
    public async Task BodyAtAnUnalignedOffsetKeepsTheBytesBeforeIt(string mechanism)
    {
        const int prefix = 1000;
        const int size = (3 * 1024 * 1024) + 5;
        byte[] existing = RandomBytes(prefix, seed: 1);
        byte[] body = RandomBytes(size, seed: 2);
        string path = Path.Combine(_dir, "resume.bin");
        File.WriteAllBytes(path, existing);
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

        Task sending = rig.SendAsync(body);
        ReceiveResult result = await ReceiveRig.ReceiveAsync(Create(rig, mechanism), rig.Job(file, prefix, size));
        await sending.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
        Assert.Equal(Expected(mechanism), result.Strategy);
        Assert.Equal(Fixtures.Sha256([.. existing, .. body]), Fixtures.Sha256OfFile(path));
    }

    // The point of these mechanisms: a large upload does not stay in the page cache. Measured
    // after fsync (dirty pages cannot be dropped before writeback); the plain splice is the
    // control that shows the measurement sees a polluting upload.
    [Theory]
    [InlineData("splice-drop", false)]
    [InlineData("dontcache", false)]
    [InlineData("direct", false)]
    [InlineData("splice", true)]
    public async Task LargeUploadLeavesThePageCacheAsExpected(string mechanism, bool cached)
    {
        const int size = 64 * 1024 * 1024;
        byte[] body = RandomBytes(size, seed: 7);
        string path = Path.Combine(_dir, "large.bin");
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        using (SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            Task sending = rig.SendAsync(body);
            ReceiveResult result = await ReceiveRig.ReceiveAsync(Create(rig, mechanism), rig.Job(file, 0, size));
            await sending.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
        }

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        double resident = PageCache.ResidentFraction(path);
        if (cached)
        {
            Assert.True(resident > 0.5, $"the control upload left only {resident:P1} cached: the measurement cannot tell pollution");
        }
        else
        {
            Assert.True(resident < 0.05, $"{mechanism} left {resident:P1} of a 64 MiB upload in the page cache");
        }

        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));
    }

    internal static IReceiveMechanism Create(ReceiveRig rig, string mechanism) => mechanism switch
    {
        "splice" => rig.Create(ReceiveStrategy.Splice, dropBehind: false),
        "splice-drop" => rig.Create(ReceiveStrategy.Splice, dropBehind: true),
        "dontcache" => rig.Create(ReceiveStrategy.Dontcache),
        "buffered" => rig.Create(ReceiveStrategy.Buffered),
        _ => rig.Create(ReceiveStrategy.Direct),
    };

    internal static ReceiveStrategy Expected(string mechanism) => mechanism switch
    {
        "splice" or "splice-drop" => ReceiveStrategy.Splice,
        "dontcache" => ReceiveStrategy.Dontcache,
        _ => ReceiveStrategy.Direct,
    };

    internal static byte[] RandomBytes(int size, int seed)
    {
        byte[] bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
