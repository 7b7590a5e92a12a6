using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// The write side of the file layer (uploads). Every call here may wait on the disk (a metadata
// journal commit, writeback, fsync): all are guarded and run on the disk engine. Names passed to
// the *At calls are single path components checked by the caller (no '/', not "." or "..");
// directories are opened with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so nothing here is reached
// through a symlink or outside the root.
public static partial class FilePal
{
    // Linux O_TMPFILE is __O_TMPFILE | O_DIRECTORY (the O_DIRECTORY bit makes old kernels that
    // do not know __O_TMPFILE fail instead of opening the directory).
    private const int O_RDWR = 2;
    private const int O_EXCL = 0x80;
    private const int O_TMPFILE_BASE = 0x400000;

    // Opens the directory relativePath below root for *at calls and fsync: RESOLVE_BENEATH and
    // RESOLVE_NO_SYMLINKS, whatever --follow-symlinks says (writes never go through a symlink).
    public static FileWriteStatus TryOpenDirectoryForWrite(SafeFileHandle root, string relativePath, out SafeFileHandle directory)
    {
        BlockingGuard.Check("openat2");
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS,
        };
        return OpenAt2(root, relativePath, how, out directory);
    }

    // An unnamed file in directory (O_TMPFILE): it has no name until LinkTemporary gives it one, so
    // a crash, a kill or a failed upload leaves nothing behind. NotSupported: the file system
    // refuses O_TMPFILE; use TryCreateExclusive with a temporary name instead.
    public static FileWriteStatus TryCreateTemporary(SafeFileHandle directory, int mode, out SafeFileHandle file)
    {
        BlockingGuard.Check("openat2");
        int tmpfile = O_TMPFILE_BASE | Libc.O_DIRECTORY;
        var how = new Libc.OpenHow { Flags = (ulong)(tmpfile | O_RDWR | Libc.O_CLOEXEC), Mode = (ulong)mode };
        FileWriteStatus status = OpenAt2(directory, "", how, out file);
        return status is FileWriteStatus.IsDirectory ? FileWriteStatus.NotSupported : status;
    }

    // A new file under name in directory, failing if the name exists (O_CREAT | O_EXCL, which
    // also refuses a symlink in its place).
    public static FileWriteStatus TryCreateExclusive(SafeFileHandle directory, string name, int mode, out SafeFileHandle file)
    {
        BlockingGuard.Check("openat2");
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_WRONLY | Libc.O_CREAT | O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC),
            Mode = (ulong)mode,
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS,
        };
        return OpenAt2(directory, name, how, out file);
    }

    // Gives an O_TMPFILE file the name `name` in directory, atomically: Exists when the name is
    // taken (linkat never replaces), so this is also the create-only commit (If-None-Match: *).
    public static unsafe FileWriteStatus LinkTemporary(SafeFileHandle file, SafeFileHandle directory, string name)
    {
        BlockingGuard.Check("linkat");
        Span<byte> from = stackalloc byte[32];
        int written = Encoding.ASCII.GetBytes($"/proc/self/fd/{(int)file.DangerousGetHandle()}", from);
        from[written] = 0;
        Span<byte> to = NativePath.ToNulTerminated(name, stackalloc byte[512]);
        int result;
        fixed (byte* f = from)
        fixed (byte* t = to)
        {
            result = Libc.Linkat(Libc.AT_FDCWD, f, (int)directory.DangerousGetHandle(), t, Libc.AT_SYMLINK_FOLLOW);
        }

        return result == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }

    // renameat2 inside one directory; noReplace: Exists instead of replacing the target.
    public static unsafe FileWriteStatus Rename(SafeFileHandle directory, string from, string to, bool noReplace)
    {
        BlockingGuard.Check("renameat2");
        Span<byte> f = NativePath.ToNulTerminated(from, stackalloc byte[512]);
        Span<byte> t = NativePath.ToNulTerminated(to, stackalloc byte[512]);
        int fd = (int)directory.DangerousGetHandle();
        int result;
        fixed (byte* fp = f)
        fixed (byte* tp = t)
        {
            result = Libc.Renameat2(fd, fp, fd, tp, noReplace ? Libc.RENAME_NOREPLACE : 0);
        }

        return result == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }

    public static unsafe FileWriteStatus Unlink(SafeFileHandle directory, string name, bool isDirectory)
    {
        BlockingGuard.Check("unlinkat");
        Span<byte> n = NativePath.ToNulTerminated(name, stackalloc byte[512]);
        int result;
        fixed (byte* p = n)
        {
            result = Libc.Unlinkat((int)directory.DangerousGetHandle(), p, isDirectory ? Libc.AT_REMOVEDIR : 0);
        }

        return result == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }

    public static unsafe FileWriteStatus MakeDirectory(SafeFileHandle directory, string name, int mode)
    {
        BlockingGuard.Check("mkdirat");
        Span<byte> n = NativePath.ToNulTerminated(name, stackalloc byte[512]);
        int result;
        fixed (byte* p = n)
        {
            result = Libc.Mkdirat((int)directory.DangerousGetHandle(), p, (uint)mode);
        }

        return result == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }

    // Writes all of source at offset (loops over short writes and EINTR).
    public static unsafe IoResult Pwrite(SafeFileHandle file, ReadOnlySpan<byte> source, long offset)
    {
        BlockingGuard.Check("pwrite");
        long total = 0;
        fixed (byte* p = source)
        {
            while (total < source.Length)
            {
                nint n = Libc.Pwrite((int)file.DangerousGetHandle(), p + total, (nuint)(source.Length - total), offset + total);
                if (n < 0)
                {
                    if (Libc.LastErrno == Errno.EINTR)
                    {
                        continue;
                    }

                    return new IoResult(IoStatus.Failed, total, (int)Libc.LastErrno);
                }

                total += n;
            }
        }

        return IoResult.Moved(total);
    }

    // Maps the errno of a failed Pwrite (IoResult.Errno) like the other write calls.
    public static FileWriteStatus WriteStatusOf(int errno) => WriteStatusOf((Errno)errno);

    public static FileWriteStatus Fsync(SafeFileHandle file)
    {
        BlockingGuard.Check("fsync");
        int result;
        do
        {
            result = Libc.Fsync((int)file.DangerousGetHandle());
        }
        while (result < 0 && Libc.LastErrno == Errno.EINTR);

        return result == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }

    // Bytes an unprivileged writer may still use on the file system of handle (f_bavail).
    public static unsafe bool TryGetAvailableBytes(SafeFileHandle handle, out long available)
    {
        Libc.StatfsBuffer buffer;
        if (Libc.Fstatfs((int)handle.DangerousGetHandle(), &buffer) != 0)
        {
            available = 0;
            return false;
        }

        ulong bytes = buffer.BlocksAvailable * (ulong)Math.Max(1, buffer.BlockSize);
        available = bytes > long.MaxValue ? long.MaxValue : (long)bytes;
        return true;
    }

    // What name is in directory, without following a final symlink; metadata for files and directories.
    public static DirectoryEntryKind GetEntry(SafeFileHandle directory, string name, out FileMetadata metadata)
    {
        BlockingGuard.Check("statx");
        metadata = default;
        Span<byte> n = NativePath.ToNulTerminated(name, stackalloc byte[512]);
        if (Libc.StatxAtNoFollow((int)directory.DangerousGetHandle(), n, Libc.STATX_BASIC_STATS, out Libc.StatxBuffer buffer) != 0)
        {
            return Libc.LastErrno is Errno.ENOENT or Errno.ENOTDIR ? DirectoryEntryKind.Missing : DirectoryEntryKind.Failed;
        }

        int type = buffer.Mode & Libc.S_IFMT;
        if (type == Libc.S_IFLNK)
        {
            return DirectoryEntryKind.Symlink;
        }

        metadata = ToMetadata(buffer);
        return metadata.IsRegularFile ? DirectoryEntryKind.File : metadata.IsDirectory ? DirectoryEntryKind.Directory : DirectoryEntryKind.Other;
    }

    private static FileWriteStatus OpenAt2(SafeFileHandle directory, string relativePath, in Libc.OpenHow how, out SafeFileHandle handle)
    {
        Span<byte> path = NativePath.ToNulTerminated(relativePath, stackalloc byte[512], emptyIsDot: true);
        int fd;
        do
        {
            fd = Libc.Openat2((int)directory.DangerousGetHandle(), path, how);
        }
        while (fd < 0 && Libc.LastErrno == Errno.EINTR);

        if (fd >= 0)
        {
            handle = new SafeFileHandle(fd, ownsHandle: true);
            return FileWriteStatus.Done;
        }

        handle = null!;
        Errno errno = Libc.LastErrno;
        // O_TMPFILE on a file system without it: EOPNOTSUPP (or EISDIR/EINVAL on older kernels).
        return (how.Flags & O_TMPFILE_BASE) != 0 && errno is Errno.EOPNOTSUPP or Errno.EISDIR or Errno.EINVAL
            ? FileWriteStatus.NotSupported
            : WriteStatusOf(errno);
    }

    private static FileWriteStatus WriteStatusOf(Errno errno) => errno switch
    {
        Errno.EEXIST => FileWriteStatus.Exists,
        Errno.ENOENT or Errno.ENOTDIR => FileWriteStatus.NotFound,
        Errno.EACCES or Errno.EPERM or Errno.EROFS => FileWriteStatus.NotPermitted,
        Errno.ENOSPC or Errno.EDQUOT => FileWriteStatus.NoSpace,
        Errno.EISDIR => FileWriteStatus.IsDirectory,
        Errno.ENOTEMPTY => FileWriteStatus.NotEmpty,
        Errno.ELOOP or Errno.EXDEV => FileWriteStatus.OutsideRoot,
        Errno.EMFILE or Errno.ENFILE => FileWriteStatus.TooManyOpenFiles,
        Errno.ENAMETOOLONG => FileWriteStatus.NameTooLong,
        Errno.EOPNOTSUPP => FileWriteStatus.NotSupported,
        _ => FileWriteStatus.Failed,
    };
}
