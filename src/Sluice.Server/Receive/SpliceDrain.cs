using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// The disk side of one spliced upload: empties a pipe into the file (on the disk engine, one call
// per pipe-full) and, with dropBehind, keeps the upload out of the page cache.
//
// Drop-behind: splice cannot take RWF_DONTCACHE (it has no per-call flags for the file side), and
// POSIX_FADV_DONTNEED skips dirty pages. So after each chunk is spliced, its writeback is started
// (sync_file_range WRITE, returns at once), and the previous chunk's writeback is waited for and
// its now clean pages dropped. The cache holds at most about two chunks of this upload, and the
// wait paces the upload at the disk's speed instead of letting dirty pages pile up for fsync.
//
// Refusal: EINVAL from the first splice into the file (a filesystem without splice_write; an
// O_APPEND descriptor answers it too, but upload files are never opened O_APPEND)
// arrives with the chunk already in the pipe; those bytes, and the rest of this upload's, are read
// out of the pipe and written with pwrite (strategy Buffered), and the filesystem is remembered so
// later uploads to it take the fallback from the start.
//
// Calls run one at a time (the receive loop awaits each before the next), so no locking.
internal sealed class SpliceDrain(SafeFileHandle file, ulong device, bool dropBehind, FilesystemCapabilities capabilities, bool refused)
{
    private long _previousOffset = -1;
    private long _previousCount;
    private byte[]? _copy;

    public bool Refused { get; private set; } = refused;

    public long SpliceCalls { get; private set; }

    public long WriteCalls { get; private set; }

    public ReceiveIoResult Drain(SplicePipe pipe, int count, long offset)
    {
        if (!Refused)
        {
            SpliceCalls++;
            ReceiveIoResult result = ReceivePal.SpliceToFile(pipe, file, offset, count);
            if (result.Status == ReceiveIoStatus.Done)
            {
                DropBehind(offset, count);
                return result;
            }

            if (result.Status != ReceiveIoStatus.NotSupported)
            {
                return result;
            }

            Refused = true;
            capabilities.Refuse(device, FilesystemCapability.Splice, $"errno {result.Errno} from splice into a file", "uploads to it go by recv and pwrite");
        }

        return CopyOut(pipe, count, offset);
    }

    // Waits for and drops the last chunk (the others were dropped behind the write front).
    public void Finish()
    {
        if (dropBehind && _previousOffset >= 0)
        {
            ReceivePal.WaitWriteback(file, _previousOffset, _previousCount);
            ReceivePal.DropCache(file, _previousOffset, _previousCount);
            _previousOffset = -1;
        }
    }

    private void DropBehind(long offset, int count)
    {
        if (!dropBehind)
        {
            return;
        }

        ReceivePal.StartWriteback(file, offset, count);
        if (_previousOffset >= 0)
        {
            ReceivePal.WaitWriteback(file, _previousOffset, _previousCount);
            ReceivePal.DropCache(file, _previousOffset, _previousCount);
        }

        _previousOffset = offset;
        _previousCount = count;
    }

    private ReceiveIoResult CopyOut(SplicePipe pipe, int count, long offset)
    {
        _copy ??= new byte[64 * 1024];
        long moved = 0;
        while (moved < count)
        {
            // The bytes are in the pipe already, so the non-blocking read does not come back empty.
            ReceiveIoResult read = ReceivePal.ReadPipe(pipe, _copy.AsSpan(0, (int)Math.Min(_copy.Length, count - moved)));
            if (read.Status != ReceiveIoStatus.Done)
            {
                return read with { Bytes = moved };
            }

            int n = (int)read.Bytes;
            WriteCalls++;
            ReceiveIoResult written = ReceivePal.Pwrite(file, _copy.AsSpan(0, n), offset + moved);
            moved += written.Bytes;
            if (written.Status != ReceiveIoStatus.Done)
            {
                return written with { Bytes = moved };
            }
        }

        return ReceiveIoResult.Moved(moved);
    }
}
