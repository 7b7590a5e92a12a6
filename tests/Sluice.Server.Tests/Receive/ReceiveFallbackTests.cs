using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Receive;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Receive;

// A kernel refusal falls back to plain writes once, labelled Buffered, and is remembered per
// filesystem so later uploads there issue no refused call.
public sealed class ReceiveFallbackTests
{
    private const int Size = (1024 * 1024) + 7;

    [Fact]
    public async Task TmpfsRefusingDontcacheFallsBackOnceAndIsRemembered()
    {
        Assert.True(DiskDirectory.IsMemoryBacked("/dev/shm"), "/dev/shm is not tmpfs here: the test needs a real tmpfs");
        string dir = Path.Combine("/dev/shm", "sluice-receive-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
            IReceiveMechanism dontcache = rig.Create(ReceiveStrategy.Dontcache);
            for (int round = 0; round < 2; round++)
            {
                byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 20 + round);
                string path = Path.Combine(dir, $"up{round}.bin");
                rig.Tally.Reset();
                using (SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
                {
                    Task sending = rig.SendAsync(body);
                    ReceiveResult result = await ReceiveRig.ReceiveAsync(dontcache, rig.Job(file, 0, Size));
                    await sending.WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
                    Assert.Equal(ReceiveStrategy.Buffered, result.Strategy);
                    Assert.True(FilePal.TryGetMetadata(file, out FileMetadata metadata));
                    Assert.True(rig.Capabilities.IsRefused(metadata.Device, FilesystemCapability.Dontcache));
                }

                Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));

                // Two chunks (1 MiB and 7 bytes); the first upload also issued the one refused call.
                Assert.Equal(round == 0 ? 3 : 2, rig.Tally.WriteCalls);
            }

            Assert.Single(rig.Log.Warnings);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // auto's large bodies go by RWF_DONTCACHE; on a file system known to refuse it (tmpfs), by
    // splice with drop-behind — not by the dontcache mechanism's plain-pwrite fallback, which
    // would write every later large upload there through the cache.
    [Fact]
    public async Task LargeBodiesGoBySpliceWhereDontcacheIsKnownToBeRefused()
    {
        Assert.True(DiskDirectory.IsMemoryBacked("/dev/shm"), "/dev/shm is not tmpfs here: the test needs a real tmpfs");
        string dir = Path.Combine("/dev/shm", "sluice-receive-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
            var dontcache = new DontcacheReceive(rig.Disk, rig.Buffers, rig.Capabilities);
            var outOfCache = new OutOfCacheReceive(dontcache, rig.Create(ReceiveStrategy.Splice, dropBehind: true), rig.Capabilities);
            ReceiveStrategy[] expected = [ReceiveStrategy.Buffered, ReceiveStrategy.Splice];
            for (int round = 0; round < 2; round++)
            {
                byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 40 + round);
                string path = Path.Combine(dir, $"large{round}.bin");
                using (SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
                {
                    Task sending = rig.SendAsync(body);
                    ReceiveResult result = await ReceiveRig.ReceiveAsync(outOfCache, rig.Job(file, 0, Size));
                    await sending.WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(ReceiveOutcome.Completed, result.Outcome);

                    // The first upload learns the refusal (and falls back once); the next goes by splice.
                    Assert.Equal(expected[round], result.Strategy);
                }

                Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // splice into an O_APPEND descriptor answers EINVAL, as a filesystem without splice_write
    // does: the chunk already in the pipe and the rest of the body still reach the file.
    [Fact]
    public async Task SpliceRefusedByTheFileFallsBackWithTheBytesAlreadyInThePipe()
    {
        string dir = DiskDirectory.NewPath("sluice-receive-append-");
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "append.bin");
            byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 30);
            await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
            Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenForAppend(path, out SafeFileHandle file));
            using (file)
            {
                Task sending = rig.SendAsync(body);
                ReceiveResult result = await ReceiveRig.ReceiveAsync(rig.Create(ReceiveStrategy.Splice), rig.Job(file, 0, Size));
                await sending.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
                Assert.Equal(Size, result.Bytes);
                Assert.Equal(ReceiveStrategy.Buffered, result.Strategy);
            }

            Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));
            Assert.Single(rig.Log.Warnings);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
