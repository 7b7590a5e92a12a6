using Sluice.Core.Policy;
using Sluice.Server.Disk;
using Sluice.Server.Logging;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Metrics;

// The pieces of truthful accounting without a socket: a tally's slices, the capability registry
// and the mountinfo line that names a filesystem.
public sealed class TransferTallyTests
{
    [Fact]
    public void SlicesCreditEachStrategyWithWhatItDid()
    {
        var tally = new TransferTally();
        tally.Reset();
        tally.Count(SyscallKind.Policy, 2);
        tally.Begin(TransferStrategy.Direct);
        tally.BytesSent += 300;            // the head
        tally.Count(SyscallKind.Open);
        tally.BytesRead += 4096;
        tally.BytesSent += 4000;
        tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
        tally.Count(SyscallKind.Pread, 3);
        tally.BytesRead += 5000;
        tally.BytesSent += 5000;

        Assert.Equal(2, tally.SliceCount);
        Assert.Equal(TransferStrategy.Direct, tally.Decided);
        Assert.Equal(TransferFallback.KernelRefused, tally.Fallback);
        Assert.Equal(4300, tally.SliceBytesSent(0));
        Assert.Equal(4096, tally.SliceBytesRead(0));
        Assert.Equal(2, tally.SliceCalls(0, SyscallKind.Policy));
        Assert.Equal(1, tally.SliceCalls(0, SyscallKind.Open));
        Assert.Equal(0, tally.SliceCalls(0, SyscallKind.Pread));
        Assert.Equal(5000, tally.SliceBytesSent(1));
        Assert.Equal(3, tally.SliceCalls(1, SyscallKind.Pread));
        Assert.Equal(0, tally.SliceCalls(1, SyscallKind.Open));
        Assert.Equal("direct+buffered", tally.MovedByLabel());
    }

    [Fact]
    public void AStrategyThatSentOnlyTheHeadDidNotMoveTheBody()
    {
        var tally = new TransferTally();
        tally.Reset();
        tally.Begin(TransferStrategy.Dontcache);
        tally.BytesSent += 200;
        tally.Count(SyscallKind.Preadv2);
        tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
        tally.BytesRead += 10;
        tally.BytesSent += 10;

        Assert.Equal("buffered", tally.MovedByLabel());
        Assert.False(tally.Moved(TransferStrategy.Dontcache));
        Assert.True(tally.Moved(TransferStrategy.Buffered));

        // An empty body: nobody read a byte, the last strategy in charge is named.
        tally.Reset();
        tally.Begin(TransferStrategy.Direct);
        tally.BytesSent += 200;
        Assert.Equal("direct", tally.MovedByLabel());
    }

    [Fact]
    public void ARefusalIsLoggedOncePerFilesystemAndStaysOnItsFilesystem()
    {
        var log = new ListLog();
        var capabilities = new FilesystemCapabilities(log, device => $"device {device}");
        const ulong tmpfs = 23, ext4 = (254UL << 32) | 1;

        Assert.False(capabilities.IsRefused(tmpfs, FilesystemCapability.Dontcache));
        Assert.True(capabilities.Refuse(tmpfs, FilesystemCapability.Dontcache, "EOPNOTSUPP", "fallback"));
        Assert.False(capabilities.Refuse(tmpfs, FilesystemCapability.Dontcache, "EOPNOTSUPP", "fallback"));
        Assert.True(capabilities.Refuse(tmpfs, FilesystemCapability.Nowait, "EOPNOTSUPP", "fallback"));
        capabilities.Accept(ext4, FilesystemCapability.Dontcache);

        Assert.True(capabilities.IsRefused(tmpfs, FilesystemCapability.Dontcache));
        Assert.False(capabilities.IsRefused(tmpfs, FilesystemCapability.Direct));
        Assert.False(capabilities.IsRefused(ext4, FilesystemCapability.Dontcache));
        Assert.True(capabilities.IsAccepted(ext4, FilesystemCapability.Dontcache));
        Assert.False(capabilities.IsAccepted(tmpfs, FilesystemCapability.Dontcache));
        Assert.Equal(
            ["RWF_DONTCACHE refused on device 23 (EOPNOTSUPP); fallback (logged once per filesystem)", "RWF_NOWAIT refused on device 23 (EOPNOTSUPP); fallback (logged once per filesystem)"],
            log.Warnings);
        Assert.Equal([(tmpfs, FilesystemCapability.Dontcache), (tmpfs, FilesystemCapability.Nowait)], capabilities.Refusals());
    }

    [Fact]
    public void AMountinfoLineNamesTypeAndMountPoint()
    {
        const string line = "25 24 0:23 / /dev/shm rw,relatime shared:3 - tmpfs tmpfs rw,size=24684092k";
        Assert.Equal("tmpfs on /dev/shm", MountTable.Find(line, "0:23"));
        Assert.Null(MountTable.Find(line, "0:2"));
        Assert.Null(MountTable.Find("garbage", "0:23"));
    }

    private sealed class ListLog : IServerLog
    {
        public List<string> Warnings { get; } = [];

        public bool AccessEnabled => false;

        public long DroppedLines => 0;

        public void Info(string message)
        {
        }

        public void Warn(string message) => Warnings.Add(message);

        public void Access(in AccessLogEntry entry)
        {
        }
    }
}
