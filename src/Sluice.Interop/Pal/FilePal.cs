using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// File operations with errno turned into results. Nothing above this layer sees errno.
public static partial class FilePal
{
    public static FileOpenStatus TryOpenDirectory(string path, out SafeFileHandle handle)
    {
        BlockingGuard.Check("open");
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        return Wrap(fd, out handle);
    }

    // Opens relativePath below the directory `root`. With confine, the kernel (openat2
    // RESOLVE_BENEATH) refuses any resolution that leaves the root, including symlinks whose
    // target is outside it; symlinks that stay inside still work. One system call per open.
    // cachedOnly (RESOLVE_CACHED): the walk is served from the dentry cache or refused with
    // WouldBlock, never waits on the disk; a kernel without it (before 5.12) answers NotSupported.
    public static FileOpenStatus TryOpenBeneath(SafeFileHandle root, string relativePath, bool confine, bool direct, out SafeFileHandle handle) =>
        TryOpenBeneath(root, relativePath, confine, direct, cachedOnly: false, out handle);

    public static FileOpenStatus TryOpenBeneath(SafeFileHandle root, string relativePath, bool confine, bool direct, bool cachedOnly, out SafeFileHandle handle)
    {
        if (!cachedOnly)
        {
            BlockingGuard.Check("openat2");
        }

        // An empty relative path names the root itself.
        Span<byte> path = NativePath.ToNulTerminated(relativePath, stackalloc byte[512], emptyIsDot: true);

        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NONBLOCK | (direct ? Libc.O_DIRECT : 0)),
            Resolve = (confine ? Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS : Libc.RESOLVE_NO_MAGICLINKS) | (cachedOnly ? Libc.RESOLVE_CACHED : 0),
        };

        int fd;
        do
        {
            fd = Libc.Openat2((int)root.DangerousGetHandle(), path, how);
        }
        while (fd < 0 && Libc.LastErrno == Errno.EINTR);

        if (fd < 0 && cachedOnly && Libc.LastErrno == Errno.EAGAIN)
        {
            handle = null!;
            return FileOpenStatus.WouldBlock;
        }

        return Wrap(fd, out handle);
    }

    public static bool TryGetMetadata(SafeFileHandle handle, out FileMetadata metadata)
    {
        if (Libc.Fstatx((int)handle.DangerousGetHandle(), Libc.STATX_BASIC_STATS | Libc.STATX_DIOALIGN, out Libc.StatxBuffer buffer) != 0)
        {
            metadata = default;
            return false;
        }

        metadata = ToMetadata(buffer);
        return true;
    }

    // statx of a path below root, without opening it: one system call, used to revalidate a
    // cached descriptor. It follows symlinks like a plain open; callers compare the result with a
    // descriptor that was opened confined, so a hit is always the very same inode.
    // Not guarded (the one exception to the threading rule, on purpose): it runs inline for an
    // open-file cache hit, whose path this process walked within the cache's maximum age, so its
    // dentries are as hot as the descriptor; statx has no RESOLVE_CACHED, and an O_PATH open with
    // it plus fstatx and close would triple the hot path's system calls.
    public static bool TryGetMetadataAt(SafeFileHandle root, ReadOnlySpan<char> relativePath, out FileMetadata metadata)
    {
        Span<byte> path = NativePath.ToNulTerminated(relativePath, stackalloc byte[512], emptyIsDot: true);
        if (Libc.StatxAt((int)root.DangerousGetHandle(), path, Libc.STATX_BASIC_STATS, out Libc.StatxBuffer buffer) != 0)
        {
            metadata = default;
            return false;
        }

        metadata = ToMetadata(buffer);
        return true;
    }

    // Nanoseconds since 1970 fit a long until 2262; ext4 allows later dates: clamp, never wrap.
    private static long ToNanoseconds(long seconds, uint nanoseconds) =>
        seconds >= long.MaxValue / 1_000_000_000L - 1 ? long.MaxValue - 999_999_999L
        : seconds <= long.MinValue / 1_000_000_000L + 1 ? long.MinValue + 999_999_999L
        : (seconds * 1_000_000_000L) + nanoseconds;

    private static FileMetadata ToMetadata(in Libc.StatxBuffer buffer)
    {
        int type = buffer.Mode & Libc.S_IFMT;
        bool hasDio = (buffer.Mask & Libc.STATX_DIOALIGN) != 0;
        return new FileMetadata(
            Length: (long)buffer.Size,
            Inode: buffer.Inode,
            Device: ((ulong)buffer.DevMajor << 32) | buffer.DevMinor,
            ModifiedUnixNanoseconds: ToNanoseconds(buffer.MtimeSeconds, buffer.MtimeNanoseconds),
            ChangedUnixNanoseconds: ToNanoseconds(buffer.CtimeSeconds, buffer.CtimeNanoseconds),
            IsDirectory: type == Libc.S_IFDIR,
            IsRegularFile: type == Libc.S_IFREG,
            DirectIoOffsetAlignment: hasDio ? buffer.DioOffsetAlign : 0,
            DirectIoMemoryAlignment: hasDio ? buffer.DioMemAlign : 0);
    }

    public static unsafe IoResult Pread(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        BlockingGuard.Check("pread");
        nint n;
        fixed (byte* p = destination)
        {
            do
            {
                n = Libc.Pread((int)handle.DangerousGetHandle(), p, (nuint)destination.Length, offset);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        if (n < 0)
        {
            return new IoResult(IoStatus.Failed, 0, (int)Libc.LastErrno);
        }

        return n == 0 && destination.Length > 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(n);
    }

    internal static FileOpenStatus Wrap(int fd, out SafeFileHandle handle)
    {
        if (fd >= 0)
        {
            handle = new SafeFileHandle(fd, ownsHandle: true);
            return FileOpenStatus.Opened;
        }

        handle = null!;
        return Libc.LastErrno switch
        {
            Errno.ENOENT or Errno.ENOTDIR => FileOpenStatus.NotFound,
            Errno.EACCES or Errno.EPERM => FileOpenStatus.PermissionDenied,
            Errno.EXDEV or Errno.ELOOP => FileOpenStatus.OutsideRoot,
            Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM => FileOpenStatus.TooManyOpenFiles,
            Errno.ENAMETOOLONG => FileOpenStatus.NameTooLong,
            Errno.ENXIO or Errno.ENODEV => FileOpenStatus.SpecialFile,
            Errno.EINVAL => FileOpenStatus.NotSupported,
            _ => FileOpenStatus.Failed,
        };
    }
}
