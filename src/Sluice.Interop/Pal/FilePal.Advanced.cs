using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public static partial class FilePal
{
    // A second open file description of the same inode with O_DIRECT. Going through
    // /proc/self/fd (not the path) guarantees the same file even if the path was replaced
    // meanwhile, and keeps the first description (shared through the open-file cache) buffered.
    public static FileOpenStatus TryReopenDirect(SafeFileHandle file, out SafeFileHandle direct)
    {
        string path = "/proc/self/fd/" + ((int)file.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECT, 0);
        return Wrap(fd, out direct);
    }

    // pread into native memory (an aligned buffer for O_DIRECT).
    public static unsafe IoResult Pread(SafeFileHandle handle, nint buffer, int count, long offset)
    {
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

    // readahead(2): pull a range into the page cache ahead of a sendfile that would otherwise
    // wait for the disk on the thread that runs it.
    public static bool Readahead(SafeFileHandle handle, long offset, long length) =>
        Libc.Readahead((int)handle.DangerousGetHandle(), offset, (nuint)length) == 0;

    // posix_fadvise(SEQUENTIAL): doubles the read-ahead window, as nginx's read_ahead does.
    public static bool AdviseSequential(SafeFileHandle handle, long offset, long length) =>
        Libc.PosixFadvise((int)handle.DangerousGetHandle(), offset, length, Libc.POSIX_FADV_SEQUENTIAL) == 0;

    // posix_fadvise(DONTNEED): drops the clean cached pages of the range.
    public static bool EvictFromPageCache(SafeFileHandle handle, long offset, long length) =>
        Libc.PosixFadvise((int)handle.DangerousGetHandle(), offset, length, Libc.POSIX_FADV_DONTNEED) == 0;

    public static FileOpenStatus TryOpenReadOnly(string path, out SafeFileHandle handle)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        return Wrap(fd, out handle);
    }
}
