using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Logging;

namespace Sluice.Server.Transfer;

// Buffered reads with RWF_DONTCACHE (Linux >= 6.14): the kernel's read-ahead still works, and the
// pages are dropped once read, so a large file streams through without evicting the hot set.
// No alignment rules; two CPU copies (page cache → buffer → socket). Older kernels answer
// EOPNOTSUPP to the first read and the body falls back to the buffered loop.
public sealed class DontcacheTransfer : ReadAheadTransfer
{
    public DontcacheTransfer(IDiskEngine disk, AlignedBufferPool buffers, int readsInFlight, BufferedTransfer fallback, IServerLog log, FilesystemCapabilities capabilities, bool forceFallback)
        : base(disk, buffers, readsInFlight, fallback, log, capabilities, forceFallback)
    {
    }

    public override TransferStrategy Strategy => TransferStrategy.Dontcache;

    protected override DiskReadKind Kind => DiskReadKind.Dontcache;

    protected override FilesystemCapability Capability => FilesystemCapability.Dontcache;

    protected override FileOpenStatus Prepare(FileBody body, TransferTally tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment)
    {
        readHandle = body.File;
        ownsHandle = false;
        alignment = 1;
        return FileOpenStatus.Opened;
    }

    protected override void CountReads(TransferTally tally, int calls) => tally.Count(SyscallKind.Preadv2, calls);
}
