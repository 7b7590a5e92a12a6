using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// recv into aligned buffers, then O_DIRECT writes: the bytes never enter the page cache, and the
// write completes when the device has them (no later writeback burst at fsync). O_DIRECT demands an
// aligned buffer address, file offset and length; the body's unaligned parts go through the page
// cache on the caller's own (buffered) descriptor:
//  - a head, when the upload starts at an unaligned offset (a tus PATCH that resumes mid-block):
//    the first chunk is cut to end on the next block boundary;
//  - the tail, the last count % alignment bytes of the body.
// A few KiB at most pass through the cache, and the file's size is exactly what was written (no
// padded block to truncate afterwards).
//
// The O_DIRECT descriptor is a second open file description of the same inode (through
// /proc/self/fd), so the caller's descriptor keeps its flags. Alignment is 4096, a safe upper bound
// of every block size statx(STATX_DIOALIGN) reports here (512), so it also fits the pool's buffers.
// A filesystem that refuses O_DIRECT (EINVAL at open or at the first write) is remembered per
// filesystem, like the read side's, and the upload goes on by plain pwrite (strategy Buffered).
public sealed class DirectReceive : RecvWriteReceive
{
    private const int Alignment = 4096;

    public DirectReceive(IDiskEngine disk, AlignedBufferPool buffers, FilesystemCapabilities capabilities)
        : base(disk, buffers, capabilities)
    {
    }

    public override ReceiveStrategy Strategy => ReceiveStrategy.Direct;

    private protected override ChunkWriter CreateWriter(ReceiveJob job, ulong device)
    {
        SafeFileHandle? direct = null;
        if (!Capabilities.IsRefused(device, FilesystemCapability.Direct))
        {
            ReceiveIoStatus opened = ReceivePal.TryReopenForDirectWrite(job.File, out direct);
            if (opened == ReceiveIoStatus.NotSupported)
            {
                Capabilities.Refuse(device, FilesystemCapability.Direct, "open(O_DIRECT) EINVAL on an upload", "uploads to it are written through the page cache");
            }
        }

        return new Writer(job.File, direct, device, Capabilities);
    }

    private sealed class Writer(SafeFileHandle file, SafeFileHandle? direct, ulong device, FilesystemCapabilities capabilities) : ChunkWriter
    {
        private SafeFileHandle? _direct = direct;

        public override ReceiveStrategy Strategy => _direct is null ? ReceiveStrategy.Buffered : ReceiveStrategy.Direct;

        // An unaligned start: cut the first chunk at the next block boundary, so every later chunk
        // starts aligned.
        public override int NextChunk(long fileOffset, long remaining, int capacity)
        {
            int misalignment = (int)(fileOffset % Alignment);
            int limit = misalignment == 0 || _direct is null ? capacity : Alignment - misalignment;
            return (int)Math.Min(remaining, limit);
        }

        public override ReceiveIoResult Write(AlignedBuffer buffer, int count, long offset)
        {
            int aligned = _direct is not null && offset % Alignment == 0 ? count & ~(Alignment - 1) : 0;
            long moved = 0;
            if (aligned > 0)
            {
                WriteCalls++;
                ReceiveIoResult result = ReceivePal.Pwrite(_direct!, buffer.Pointer, aligned, offset);
                if (result.Status == ReceiveIoStatus.NotSupported)
                {
                    capabilities.Refuse(device, FilesystemCapability.Direct, $"errno {result.Errno} on an O_DIRECT write", "uploads to it are written through the page cache");
                    _direct!.Dispose();
                    _direct = null;
                    aligned = 0;
                }
                else if (result.Status != ReceiveIoStatus.Done)
                {
                    return result;
                }
                else
                {
                    capabilities.Accept(device, FilesystemCapability.Direct);
                    moved = aligned;
                }
            }

            if (aligned == count)
            {
                return ReceiveIoResult.Moved(moved);
            }

            WriteCalls++;
            ReceiveIoResult rest = ReceivePal.Pwrite(file, buffer.Pointer + aligned, count - aligned, offset + aligned);
            return rest with { Bytes = moved + rest.Bytes };
        }

        public override void Dispose() => _direct?.Dispose();
    }
}
