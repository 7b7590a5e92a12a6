using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Strategies;

// The threading rule, seen from the counters: page-cache hits are served inline (preadv2
// RWF_NOWAIT, sendfile of a range known resident), misses go to the disk engine, and the bytes
// are right either way.
public sealed class DiskEngineRoutingTests
{
    private const int SmallLength = 100 * 1024;

    [Fact]
    public async Task CopyReadsACachedBodyInlineAndAnEvictedOneThroughTheEngine()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Copy);
        string path = server.PathOf("small.bin");
        Fixtures.WriteRandomFile(path, SmallLength, seed: 9);
        string expected = Fixtures.Sha256OfFile(path);
        MechanismCounters copy = server.Server.Metrics.For(TransferStrategy.Copy);

        PageCache.FlushAndEvict(path);
        RawResponse cold = await server.GetAsync("/small.bin");
        Assert.Equal(200, cold.Status);
        Assert.Equal(expected, Fixtures.Sha256(cold.Body));
        Assert.Equal(1, copy.EngineRequests);
        Assert.Equal(1, copy.Syscalls(SyscallKind.Preadv2));

        RawResponse hot = await server.GetAsync("/small.bin");
        Assert.Equal(expected, Fixtures.Sha256(hot.Body));
        Assert.Equal(1, copy.EngineRequests);
        Assert.Equal(2, copy.Syscalls(SyscallKind.Preadv2));
    }

    [Fact]
    public async Task APartlyCachedReadTakesTheCachedHeadInlineAndTheRestFromTheEngine()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Copy);
        string path = server.PathOf("small.bin");
        Fixtures.WriteRandomFile(path, SmallLength, seed: 10);
        string expected = Fixtures.Sha256OfFile(path);
        PageCache.WarmHeadOnly(path, 64 * 1024);
        MechanismCounters copy = server.Server.Metrics.For(TransferStrategy.Copy);

        RawResponse response = await server.GetAsync("/small.bin");

        Assert.Equal(expected, Fixtures.Sha256(response.Body));
        // One inline preadv2 (the cached 64 KiB, a short count), then one engine read for the rest:
        // the checksum proves the two pieces were joined at the right offset.
        Assert.Equal(1, copy.Syscalls(SyscallKind.Preadv2));
        Assert.Equal(1, copy.EngineRequests);
        Assert.Equal(1, copy.Syscalls(SyscallKind.Pread));
    }

    [Fact]
    public async Task BufferedSendsAnEvictedFileThroughTheEngineChunkByChunk()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Buffered);
        string path = server.PathOf("random.bin");
        string expected = Fixtures.Sha256OfFile(path);
        PageCache.FlushAndEvict(path);
        MechanismCounters buffered = server.Server.Metrics.For(TransferStrategy.Buffered);

        RawResponse response = await server.GetAsync("/random.bin");

        Assert.Equal(expected, Fixtures.Sha256(response.Body));
        Assert.True(buffered.EngineRequests > 0, "no read went to the disk engine");
    }

    [Fact]
    public async Task SendfileHasTheEngineFaultInAnEvictedRangeAndChecksNothingForAResidentOne()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("random.bin");
        string expected = Fixtures.Sha256OfFile(path);
        PageCache.FlushAndEvict(path);
        MechanismCounters sendfile = server.Server.Metrics.For(TransferStrategy.Sendfile);

        RawResponse cold = await server.GetAsync("/random.bin");
        Assert.Equal(expected, Fixtures.Sha256(cold.Body));
        // 3 MiB fits one residency window: one check, one populate.
        Assert.Equal(1, sendfile.Syscalls(SyscallKind.Residency));
        Assert.Equal(1, sendfile.EngineRequests);
        Assert.True(sendfile.Syscalls(SyscallKind.Populate) >= 1);

        RawResponse hot = await server.GetAsync("/random.bin");
        Assert.Equal(expected, Fixtures.Sha256(hot.Body));
        Assert.Equal(1, sendfile.Syscalls(SyscallKind.Residency));
        Assert.Equal(1, sendfile.EngineRequests);
    }

    // A cold body of several windows: after the first cold window the engine populates the next one
    // while the current one is sent, so only the first window is checked and each is populated once.
    [Fact]
    public async Task SendfilePopulatesTheNextColdWindowWhileSendingThisOne()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("three-windows.bin");
        long length = (2 * SendfileTransfer.ResidencyWindowBytes) + 12345;
        Fixtures.WriteBlocksFile(path, length);
        string expected = Fixtures.Sha256OfFile(path);
        PageCache.FlushAndEvict(path);
        MechanismCounters sendfile = server.Server.Metrics.For(TransferStrategy.Sendfile);

        RawResponse cold = await server.GetAsync("/three-windows.bin");
        Assert.Equal(expected, Fixtures.Sha256(cold.Body));
        Assert.Equal(1, sendfile.Syscalls(SyscallKind.Residency));
        Assert.Equal(3, sendfile.EngineRequests);
    }

    [Fact]
    public async Task TmpfsRefusesNowaitOnceAndItsReadsGoToTheEngine()
    {
        string root = Path.Combine("/dev/shm", "sluice-nowait-" + Guid.NewGuid().ToString("N"));
        Assert.True(DiskDirectory.IsMemoryBacked("/dev/shm"), "/dev/shm is expected to be tmpfs here");
        Directory.CreateDirectory(root);
        try
        {
            Fixtures.WriteRandomFile(Path.Combine(root, "small.bin"), SmallLength, seed: 11);
            string expected = Fixtures.Sha256OfFile(Path.Combine(root, "small.bin"));
            await using TestServer server = TestServer.Start(StrategyOption.Copy, o => o with { Root = root });
            MechanismCounters copy = server.Server.Metrics.For(TransferStrategy.Copy);

            for (int i = 0; i < 3; i++)
            {
                RawResponse response = await server.GetAsync("/small.bin");
                Assert.Equal(expected, Fixtures.Sha256(response.Body));
            }

            // Refused once, learned, never tried again; every read went to the engine.
            Assert.Equal(1, copy.Syscalls(SyscallKind.Preadv2));
            Assert.Equal(3, copy.EngineRequests);
            string log = server.DiagnosticsLog;
            int first = log.IndexOf("RWF_NOWAIT refused", StringComparison.Ordinal);
            Assert.True(first >= 0, log);
            Assert.Equal(-1, log.IndexOf("RWF_NOWAIT refused", first + 1, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
