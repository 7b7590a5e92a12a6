using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Logging;

namespace Sluice.Server.Transfer;

// O_DIRECT: disk → aligned user buffer → socket. One CPU copy (the send), no page-cache pages
// created or evicted, no double caching. Buffer address, file offset and length must be aligned
// to what statx(STATX_DIOALIGN) reports (4096 when it reports nothing).
public sealed class DirectTransfer : ReadAheadTransfer
{
    private const int DefaultAlignment = 4096;

    public DirectTransfer(IDiskEngine disk, AlignedBufferPool buffers, int readsInFlight, BufferedTransfer fallback, IServerLog log, FilesystemCapabilities capabilities, bool forceFallback)
        : base(disk, buffers, readsInFlight, fallback, log, capabilities, forceFallback)
    {
    }

    public override TransferStrategy Strategy => TransferStrategy.Direct;

    protected override DiskReadKind Kind => DiskReadKind.Direct;

    protected override FilesystemCapability Capability => FilesystemCapability.Direct;

    protected override FileOpenStatus Prepare(FileBody body, TransferTally tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment)
    {
        alignment = body.DirectIoAlignment is > 0 and <= DefaultAlignment ? body.DirectIoAlignment : DefaultAlignment;
        ownsHandle = true;
        tally.Count(SyscallKind.Open);
        if (ForceFallback)
        {
            // Answer as a filesystem without O_DIRECT does: the open is refused with EINVAL.
            readHandle = null!;
            return FileOpenStatus.NotSupported;
        }

        return FilePal.TryReopenDirect(body.File, out readHandle);
    }

    protected override void CountReads(TransferTally tally, int calls) => tally.Count(SyscallKind.Pread, calls);
}
