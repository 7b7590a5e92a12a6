using System.Text.RegularExpressions;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Strategies;

// A capability the kernel refuses is learned once per filesystem: the first body on a refusing
// filesystem issues one refused call and logs one line, later bodies go straight to the fallback,
// and a filesystem that accepts the path beside it is not affected. One server serves a tmpfs
// directory (/dev/shm, reached through a symlink) and the ext4 test tree.
public sealed class FilesystemCapabilityTests
{
    private const int ShmFileBytes = (1024 * 1024) + 77;

    [Fact]
    public async Task TmpfsRefusingDontcacheIsLearnedOnceAndDoesNotMakeExt4FallBack()
    {
        Assert.True(DiskDirectory.IsMemoryBacked("/dev/shm"), "/dev/shm is not tmpfs here: the test needs a real tmpfs");
        string shm = Path.Combine("/dev/shm", "sluice-cap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(shm);
        try
        {
            await using TestServer server = TestServer.Start(StrategyOption.Dontcache, o => o with { FollowSymlinks = true, ReadBufferBytes = 64 * 1024, ReadsInFlight = 4 });
            Assert.False(DiskDirectory.IsMemoryBacked(server.Root), "the test tree is memory-backed: the ext4 half of the test means nothing");
            Fixtures.WriteRandomFile(Path.Combine(shm, "file.bin"), ShmFileBytes, seed: 91);
            File.CreateSymbolicLink(server.PathOf("shm"), shm);
            TransferMetrics metrics = server.Server.Metrics;

            for (int i = 0; i < 3; i++)
            {
                RawResponse response = await server.GetAsync("/shm/file.bin");
                Assert.Equal(200, response.Status);
                Assert.Equal(Fixtures.Sha256OfFile(Path.Combine(shm, "file.bin")), Fixtures.Sha256(response.Body));
            }

            List<string> shmLines = await AccessLinesAsync(server, "/shm/file.bin", 3);
            Assert.All(shmLines, line => Assert.Contains(" strategy=buffered reason=fallback:kernel-refused(dontcache) outcome=completed ", line));

            // Exactly one refused preadv2 (the probe of the first body), none after it was learned.
            Assert.Equal(1, metrics.For(TransferStrategy.Dontcache).Syscalls(SyscallKind.Preadv2));
            Assert.Equal(0, metrics.For(TransferStrategy.Dontcache).Responses);
            Assert.Equal(0, metrics.For(TransferStrategy.Dontcache).BytesReadFromDisk);
            Assert.Equal(3, metrics.For(TransferStrategy.Buffered).Responses);
            Assert.Equal(3L * ShmFileBytes, metrics.For(TransferStrategy.Buffered).BytesReadFromDisk);
            Assert.Equal(3, metrics.Fallbacks(TransferStrategy.Dontcache, TransferFallback.KernelRefused));

            ulong tmpfs = Device(Path.Combine(shm, "file.bin"));
            ulong ext4 = Device(server.PathOf("random.bin"));
            Assert.NotEqual(tmpfs, ext4);
            Assert.True(server.Server.Capabilities.IsRefused(tmpfs, FilesystemCapability.Dontcache));

            // The ext4 file beside it still goes by dontcache, with several reads in flight.
            for (int i = 0; i < 3; i++)
            {
                RawResponse response = await server.GetAsync("/random.bin");
                Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
            }

            List<string> ext4Lines = await AccessLinesAsync(server, "/random.bin", 3);
            Assert.All(ext4Lines, line => Assert.Contains(" strategy=dontcache reason=forced outcome=completed ", line));
            Assert.False(server.Server.Capabilities.IsRefused(ext4, FilesystemCapability.Dontcache));
            Assert.True(server.Server.Capabilities.IsAccepted(ext4, FilesystemCapability.Dontcache));
            Assert.Equal(3, metrics.For(TransferStrategy.Dontcache).Responses);
            Assert.Equal(3, metrics.For(TransferStrategy.Buffered).Responses);

            // One log line, naming the filesystem.
            await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("RWF_DONTCACHE refused", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            string id = $"{tmpfs >> 32}:{(uint)tmpfs}";
            Assert.Single(Regex.Matches(server.DiagnosticsLog, "RWF_DONTCACHE refused"));
            Assert.Contains($"RWF_DONTCACHE refused on device {id}, tmpfs on /dev/shm", server.DiagnosticsLog);

            string text = PrometheusWriter.Render(metrics, server.Server.OpenFiles, 0);
            Assert.Contains($"\nsluice_filesystem_capability_refused{{device=\"{id}\",capability=\"dontcache\"}} 1\n", text);
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }

    // The forced refusal answers as a refusing kernel would, at the same point: for direct the
    // O_DIRECT open, for dontcache the first preadv2.
    [Theory]
    [InlineData(StrategyOption.Direct)]
    [InlineData(StrategyOption.Dontcache)]
    public async Task AForcedRefusalIssuesOneRefusedCallAndLogsOnce(StrategyOption strategy)
    {
        TransferStrategy decided = strategy == StrategyOption.Direct ? TransferStrategy.Direct : TransferStrategy.Dontcache;
        await using TestServer server = TestServer.Start(strategy, o => o with { ForceFallback = new HashSet<TransferStrategy> { decided } });
        for (int i = 0; i < 3; i++)
        {
            RawResponse response = await server.GetAsync("/random.bin");
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        }

        await AccessLinesAsync(server, "/random.bin", 3);
        MechanismCounters refused = server.Server.Metrics.For(decided);
        Assert.Equal(decided == TransferStrategy.Direct ? 1 : 0, refused.Syscalls(SyscallKind.Open));
        Assert.Equal(decided == TransferStrategy.Dontcache ? 1 : 0, refused.Syscalls(SyscallKind.Preadv2));
        Assert.Equal(0, refused.Syscalls(SyscallKind.Pread));

        string name = decided == TransferStrategy.Direct ? "O_DIRECT" : "RWF_DONTCACHE";
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains(name + " refused", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Single(Regex.Matches(server.DiagnosticsLog, Regex.Escape(name) + " refused"));
        Assert.Single(Regex.Matches(server.DiagnosticsLog, "falling back to buffered reads"));
    }

    private static ulong Device(string path)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path);
        Assert.True(FilePal.TryGetMetadata(handle, out FileMetadata metadata));
        return metadata.Device;
    }

    // Access lines are written after the last byte is sent: wait until all expected are there.
    internal static async Task<List<string>> AccessLinesAsync(TestServer server, string target, int count)
    {
        List<string> lines = [];
        bool all = await Wait.UntilAsync(
            () => (lines = server.AccessLog.Split('\n').Where(l => l.Contains($" {target} ", StringComparison.Ordinal)).ToList()).Count >= count,
            TimeSpan.FromSeconds(5));
        Assert.True(all, server.AccessLog);
        Assert.Equal(count, lines.Count);
        return lines;
    }
}
