using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public static partial class FilePal
{
    // A second open file description of the same inode with O_DIRECT. Going through
    // /proc/self/fd (not the path) guarantees the same file even if the path was replaced
    // meanwhile, and keeps the first description (shared through the open-file cache) buffered.
    // No disk wait: the magic link jumps to an inode this process holds open, nothing is walked.
    public static FileOpenStatus TryReopenDirect(SafeFileHandle file, out SafeFileHandle direct)
    {
        string path = "/proc/self/fd/" + ((int)file.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECT, 0);
        return Wrap(fd, out direct);
    }

    // pread into native memory (an aligned buffer for O_DIRECT).
    public static unsafe IoResult Pread(SafeFileHandle handle, nint buffer, int count, long offset)
    {
        BlockingGuard.Check("pread");
        nint n;
        do
        {
            n = Libc.Pread((int)handle.DangerousGetHandle(), (byte*)buffer, (nuint)count, offset);
        }
        while (n < 0 && Libc.LastErrno == Errno.EINTR);

        if (n < 0)
        {
            Errno errno = Libc.LastErrno;
            return new IoResult(errno == Errno.EINVAL ? IoStatus.NotSupported : IoStatus.Failed, 0, (int)errno);
        }

        return n == 0 && count > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    // preadv2(RWF_DONTCACHE): a buffered read that leaves no pages behind in the page cache.
    public static unsafe IoResult PreadDontCache(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        BlockingGuard.Check("preadv2(RWF_DONTCACHE)");
        nint n;
        fixed (byte* p = destination)
        {
            var iov = new Libc.IoVec { Base = p, Length = (nuint)destination.Length };
            do
            {
                n = Libc.Preadv2((int)handle.DangerousGetHandle(), &iov, 1, offset, Libc.RWF_DONTCACHE);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        if (n < 0)
        {
            Errno errno = Libc.LastErrno;
            bool unsupported = errno is Errno.EOPNOTSUPP or Errno.EINVAL or Errno.ENOSYS;
            return new IoResult(unsupported ? IoStatus.NotSupported : IoStatus.Failed, 0, (int)errno);
        }

        return n == 0 && destination.Length > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    // sendfile(2) of a range into /dev/null: the kernel reads the pages into the page cache as
    // for a socket, copies nothing to user space, and returns once they are there — a blocking
    // "make resident" (readahead(2) only starts the I/O). Disk threads only.
    public static unsafe IoResult SendfileToNull(SafeFileHandle file, ref long offset, long count)
    {
        BlockingGuard.Check("sendfile to /dev/null");
        int devNull = s_devNull.Value;
        nint n;
        long off = offset;
        do
        {
            n = Libc.Sendfile(devNull, (int)file.DangerousGetHandle(), &off, (nuint)Math.Min(count, 1L << 30));
        }
        while (n < 0 && Libc.LastErrno == Errno.EINTR);

        if (n < 0)
        {
            Errno errno = Libc.LastErrno;
            return new IoResult(errno is Errno.EINVAL or Errno.ENOSYS or Errno.EOPNOTSUPP ? IoStatus.NotSupported : IoStatus.Failed, 0, (int)errno);
        }

        offset = off;
        return n == 0 && count > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    // One descriptor of /dev/null for the life of the process.
    private static readonly Lazy<int> s_devNull = new(() => Libc.Open("/dev/null", Libc.O_WRONLY | Libc.O_CLOEXEC, 0));

    // preadv2(RWF_NOWAIT): the bytes the page cache holds at offset, never a wait on the disk.
    // NotCached (EAGAIN) when the first page is missing; a short count when a later one is (the
    // caller hands the rest to the disk engine); NotSupported where the filesystem refuses the
    // flag (tmpfs: EOPNOTSUPP), which the caller learns once per filesystem. dontcache adds
    // RWF_DONTCACHE: pages that were cached stay cached (only pages the read itself would bring in
    // are dropped), so a cache hit of the dontcache strategy is served inline too.
    public static unsafe IoResult PreadNoWait(SafeFileHandle handle, Span<byte> destination, long offset, bool dontcache = false)
    {
        int flags = dontcache ? Libc.RWF_NOWAIT | Libc.RWF_DONTCACHE : Libc.RWF_NOWAIT;
        nint n;
        fixed (byte* p = destination)
        {
            var iov = new Libc.IoVec { Base = p, Length = (nuint)destination.Length };
            do
            {
                n = Libc.Preadv2((int)handle.DangerousGetHandle(), &iov, 1, offset, flags);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        if (n < 0)
        {
            Errno errno = Libc.LastErrno;
            IoStatus status = errno switch
            {
                Errno.EAGAIN => IoStatus.NotCached,
                Errno.EOPNOTSUPP or Errno.ENOSYS or Errno.EINVAL => IoStatus.NotSupported,
                _ => IoStatus.Failed,
            };
            return new IoResult(status, 0, (int)errno);
        }

        return n == 0 && destination.Length > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    // posix_fadvise(SEQUENTIAL): doubles the read-ahead window, as nginx's read_ahead does.
    public static bool AdviseSequential(SafeFileHandle handle, long offset, long length) =>
        Libc.PosixFadvise((int)handle.DangerousGetHandle(), offset, length, Libc.POSIX_FADV_SEQUENTIAL) == 0;

    // posix_fadvise(RANDOM): no read-ahead on this open file description, so a read caches
    // exactly the pages it asked for (tests build a partly cached file with it).
    public static bool AdviseRandom(SafeFileHandle handle) =>
        Libc.PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, Libc.POSIX_FADV_RANDOM) == 0;

    // posix_fadvise(DONTNEED): drops the clean cached pages of the range.
    public static bool EvictFromPageCache(SafeFileHandle handle, long offset, long length) =>
        Libc.PosixFadvise((int)handle.DangerousGetHandle(), offset, length, Libc.POSIX_FADV_DONTNEED) == 0;

    public static FileOpenStatus TryOpenReadOnly(string path, out SafeFileHandle handle)
    {
        BlockingGuard.Check("open");
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        return Wrap(fd, out handle);
    }
}
