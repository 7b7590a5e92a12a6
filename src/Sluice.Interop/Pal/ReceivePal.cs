using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// The calls that move request-body bytes into a file (uploads), errno turned into ReceiveIoStatus.
// Every call that can wait on the disk (a write, a splice into a file, waiting for writeback,
// fallocate) calls BlockingGuard.Check: the receive mechanisms run them on the disk engine. The
// socket side of a splice is non-blocking and runs inline.
//
// Writes loop over short counts and EINTR until everything was written or an error ends them, and
// report the bytes written before the error, so a caller always knows exactly which prefix of
// the range is in the file.
public static class ReceivePal
{
    // Not in Errno.cs (shared): only the write side reacts to them.
    private const Errno EROFS = (Errno)30;
    private const Errno EDQUOT = (Errno)122;

    // socket → pipe, at most count bytes, never blocking: WouldBlock when the socket has nothing.
    public static unsafe ReceiveIoResult SpliceFromSocket(int socketFd, SplicePipe pipe, int count)
    {
        nint n;
        do
        {
            n = Libc.Splice(socketFd, null, (int)pipe.Write.DangerousGetHandle(), null, (nuint)count, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
        }
        while (n < 0 && Libc.LastErrno == Errno.EINTR);

        if (n > 0)
        {
            return ReceiveIoResult.Moved(n);
        }

        if (n == 0)
        {
            // splice from a socket returns 0 only at end of stream: the peer closed its side.
            return new ReceiveIoResult(ReceiveIoStatus.PeerGone, 0);
        }

        Errno errno = Libc.LastErrno;
        return errno switch
        {
            Errno.EAGAIN => new ReceiveIoResult(ReceiveIoStatus.WouldBlock, 0, (int)errno),
            Errno.ECONNRESET or Errno.ENOTCONN or Errno.EPIPE or Errno.ETIMEDOUT or Errno.ECONNABORTED => new ReceiveIoResult(ReceiveIoStatus.PeerGone, 0, (int)errno),
            Errno.EINVAL or Errno.ENOSYS or Errno.EOPNOTSUPP => new ReceiveIoResult(ReceiveIoStatus.NotSupported, 0, (int)errno),
            _ => new ReceiveIoResult(ReceiveIoStatus.Failed, 0, (int)errno),
        };
    }

    // pipe → file: moves exactly count bytes that are already in the pipe to offset. The pipe end
    // is non-blocking, but the bytes are there, so only the file side can wait (on the disk, or on
    // dirty-page throttling). EINVAL means the file cannot take a splice (O_APPEND, a filesystem
    // without splice_write) and is reported as NotSupported only when nothing moved yet.
    public static unsafe ReceiveIoResult SpliceToFile(SplicePipe pipe, SafeFileHandle file, long offset, int count)
    {
        BlockingGuard.Check("splice to file");
        long off = offset;
        long moved = 0;
        int pipeFd = (int)pipe.Read.DangerousGetHandle();
        int fileFd = (int)file.DangerousGetHandle();
        while (moved < count)
        {
            nint n = Libc.Splice(pipeFd, null, fileFd, &off, (nuint)(count - moved), Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
            if (n > 0)
            {
                moved += n;
                continue;
            }

            if (n < 0 && Libc.LastErrno == Errno.EINTR)
            {
                continue;
            }

            // 0 would mean the pipe is empty, which the caller's accounting rules out: a bug, or the
            // pipe's write end closed under us.
            return Fail(n == 0 ? Errno.EIO : Libc.LastErrno, moved, einvalUnsupported: moved == 0);
        }

        return ReceiveIoResult.Moved(moved);
    }

    public static unsafe ReceiveIoResult Pwrite(SafeFileHandle file, ReadOnlySpan<byte> source, long offset)
    {
        fixed (byte* p = source)
        {
            return Pwrite(file, (nint)p, source.Length, offset);
        }
    }

    // Plain pwrite loop; on an O_DIRECT descriptor buffer, count and offset must be aligned, and
    // EINVAL then means the filesystem refuses direct I/O (NotSupported).
    public static unsafe ReceiveIoResult Pwrite(SafeFileHandle file, nint buffer, int count, long offset)
    {
        BlockingGuard.Check("pwrite");
        int fd = (int)file.DangerousGetHandle();
        long moved = 0;
        while (moved < count)
        {
            nint n = Libc.Pwrite(fd, (byte*)buffer + moved, (nuint)(count - moved), offset + moved);
            if (n > 0)
            {
                moved += n;
            }
            else if (n == 0 || Libc.LastErrno != Errno.EINTR)
            {
                return Fail(n == 0 ? Errno.EIO : Libc.LastErrno, moved, einvalUnsupported: moved == 0);
            }
        }

        return ReceiveIoResult.Moved(moved);
    }

    public static unsafe ReceiveIoResult PwriteDontcache(SafeFileHandle file, ReadOnlySpan<byte> source, long offset)
    {
        BlockingGuard.Check("pwritev2(RWF_DONTCACHE)");
        int fd = (int)file.DangerousGetHandle();
        long moved = 0;
        fixed (byte* p = source)
        {
            while (moved < source.Length)
            {
                var iov = new Libc.IoVec { Base = p + moved, Length = (nuint)(source.Length - moved) };
                nint n = Libc.Pwritev2(fd, &iov, 1, offset + moved, Libc.RWF_DONTCACHE);
                if (n > 0)
                {
                    moved += n;
                }
                else if (n == 0 || Libc.LastErrno != Errno.EINTR)
                {
                    return Fail(n == 0 ? Errno.EIO : Libc.LastErrno, moved, einvalUnsupported: moved == 0);
                }
            }
        }

        return ReceiveIoResult.Moved(moved);
    }

    // Reads bytes back out of a pipe (a splice into the file was refused with the chunk already in
    // the pipe). Non-blocking: the caller knows how many bytes the pipe holds.
    public static unsafe ReceiveIoResult ReadPipe(SplicePipe pipe, Span<byte> destination)
    {
        nint n;
        fixed (byte* p = destination)
        {
            do
            {
                n = Libc.Read((int)pipe.Read.DangerousGetHandle(), p, (nuint)destination.Length);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        return n > 0 ? ReceiveIoResult.Moved(n) : new ReceiveIoResult(ReceiveIoStatus.Failed, 0, n == 0 ? 0 : (int)Libc.LastErrno);
    }

    // Starts writeback of the range's dirty pages and returns without waiting for it.
    public static bool StartWriteback(SafeFileHandle file, long offset, long count) =>
        SyncRange(file, offset, count, Libc.SYNC_FILE_RANGE_WRITE, "sync_file_range(WRITE)");

    // Writes the range's dirty pages and waits until they are clean.
    public static bool WaitWriteback(SafeFileHandle file, long offset, long count) =>
        SyncRange(file, offset, count, Libc.SYNC_FILE_RANGE_WAIT_BEFORE | Libc.SYNC_FILE_RANGE_WRITE | Libc.SYNC_FILE_RANGE_WAIT_AFTER, "sync_file_range(WAIT)");

    // Drops the range's clean pages from the page cache (dirty ones stay: write them back first).
    public static bool DropCache(SafeFileHandle file, long offset, long count) =>
        Libc.PosixFadvise((int)file.DangerousGetHandle(), offset, count, Libc.POSIX_FADV_DONTNEED) == 0;

    // Reserves blocks for [offset, offset+count) without changing the size. NotSupported where the
    // filesystem has no fallocate (the caller just goes on); NoSpace is the early ENOSPC.
    public static ReceiveIoResult Preallocate(SafeFileHandle file, long offset, long count)
    {
        BlockingGuard.Check("fallocate");
        int r;
        do
        {
            r = Libc.Fallocate((int)file.DangerousGetHandle(), Libc.FALLOC_FL_KEEP_SIZE, offset, count);
        }
        while (r != 0 && Libc.LastErrno == Errno.EINTR);

        return r == 0 ? ReceiveIoResult.Moved(0) : Fail(Libc.LastErrno, 0, einvalUnsupported: true);
    }

    // A second, write-only open file description of the same inode with O_DIRECT, through
    // /proc/self/fd: the same inode even for an O_TMPFILE or a renamed file, and the caller's
    // description stays buffered for the unaligned head and tail. No path walk, so no disk wait.
    // NotSupported: the filesystem refuses O_DIRECT (EINVAL).
    public static ReceiveIoStatus TryReopenForDirectWrite(SafeFileHandle file, out SafeFileHandle direct)
    {
        string path = "/proc/self/fd/" + ((int)file.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture);
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CLOEXEC | Libc.O_DIRECT, 0);
        if (fd >= 0)
        {
            direct = new SafeFileHandle(fd, ownsHandle: true);
            return ReceiveIoStatus.Done;
        }

        direct = null!;
        return Fail(Libc.LastErrno, 0, einvalUnsupported: true).Status;
    }

    private static bool SyncRange(SafeFileHandle file, long offset, long count, uint flags, string call)
    {
        BlockingGuard.Check(call);
        int r;
        do
        {
            r = Libc.SyncFileRange((int)file.DangerousGetHandle(), offset, count, flags);
        }
        while (r != 0 && Libc.LastErrno == Errno.EINTR);

        return r == 0;
    }

    private static ReceiveIoResult Fail(Errno errno, long moved, bool einvalUnsupported)
    {
        ReceiveIoStatus status = errno switch
        {
            Errno.ENOSPC or EDQUOT => ReceiveIoStatus.NoSpace,
            EROFS or Errno.EACCES or Errno.EPERM => ReceiveIoStatus.NotPermitted,
            Errno.EOPNOTSUPP or Errno.ENOSYS => ReceiveIoStatus.NotSupported,
            Errno.EINVAL when einvalUnsupported => ReceiveIoStatus.NotSupported,
            _ => ReceiveIoStatus.Failed,
        };
        return new ReceiveIoResult(status, moved, (int)errno);
    }
}
