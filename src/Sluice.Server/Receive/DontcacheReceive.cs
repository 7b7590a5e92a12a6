using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// recv into a buffer, then pwritev2(RWF_DONTCACHE) (Linux >= 6.14): the write goes through the
// page cache as usual (no alignment rules, write-back merging), and the kernel drops the pages once
// their writeback completes, so a large upload leaves no trace in the cache. Two copies (socket →
// buffer → page cache), one recv and one write per 1 MiB.
//
// A filesystem that refuses the flag (EOPNOTSUPP: tmpfs here, older kernels) is remembered in
// FilesystemCapabilities — the same bit as the read side's, since the kernel gates both directions
// on one per-filesystem flag (FOP_DONTCACHE) — and the upload goes on with plain pwrite
// (strategy Buffered), as does every later upload to that filesystem, without a refused call.
public sealed class DontcacheReceive : RecvWriteReceive
{
    public DontcacheReceive(IDiskEngine disk, AlignedBufferPool buffers, FilesystemCapabilities capabilities)
        : base(disk, buffers, capabilities)
    {
    }

    public override ReceiveStrategy Strategy => ReceiveStrategy.Dontcache;

    private protected override ChunkWriter CreateWriter(ReceiveJob job, ulong device) =>
        new Writer(job, device, Capabilities);

    private sealed class Writer(ReceiveJob job, ulong device, FilesystemCapabilities capabilities) : ChunkWriter
    {
        private bool _refused = capabilities.IsRefused(device, FilesystemCapability.Dontcache);

        public override ReceiveStrategy Strategy => _refused ? ReceiveStrategy.Buffered : ReceiveStrategy.Dontcache;

        public override ReceiveIoResult Write(AlignedBuffer buffer, int count, long offset)
        {
            ReadOnlySpan<byte> source = buffer.GetSpan()[..count];
            if (!_refused)
            {
                WriteCalls++;
                ReceiveIoResult result = ReceivePal.PwriteDontcache(job.File, source, offset);
                if (result.Status != ReceiveIoStatus.NotSupported)
                {
                    if (result.Status == ReceiveIoStatus.Done)
                    {
                        capabilities.Accept(device, FilesystemCapability.Dontcache);
                    }

                    return result;
                }

                _refused = true;
                capabilities.Refuse(device, FilesystemCapability.Dontcache, $"errno {result.Errno} on an upload", "uploads to it are written through the page cache");
            }

            WriteCalls++;
            return ReceivePal.Pwrite(job.File, source, offset);
        }
    }
}
