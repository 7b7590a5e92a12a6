using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// renameat2(2) between two directory descriptors, with errno turned into RenameStatus. Names are
// single components (no '/'): the descriptors already pin the directories, so nothing on the way
// can be swapped for a symlink between a check and the rename.
// TODO(merge): h3 adds the write-side interop (UploadPal / FilePal.Write); fold this into it.
public static class RenamePal
{
    public static unsafe RenameStatus Rename(SafeFileHandle oldDirectory, string oldName, SafeFileHandle newDirectory, string newName, bool noReplace)
    {
        BlockingGuard.Check("renameat2");
        Span<byte> oldPath = NativePath.ToNulTerminated(oldName, stackalloc byte[256]);
        Span<byte> newPath = NativePath.ToNulTerminated(newName, stackalloc byte[256]);
        int result;
        fixed (byte* o = oldPath)
        fixed (byte* n = newPath)
        {
            do
            {
                result = Libc.Renameat2((int)oldDirectory.DangerousGetHandle(), o, (int)newDirectory.DangerousGetHandle(), n, noReplace ? Libc.RENAME_NOREPLACE : 0);
            }
            while (result < 0 && Libc.LastErrno == Errno.EINTR);
        }

        GC.KeepAlive(oldDirectory);
        GC.KeepAlive(newDirectory);
        return result == 0 ? RenameStatus.Renamed : Libc.LastErrno switch
        {
            Errno.EEXIST => RenameStatus.Exists,
            Errno.ENOENT or Errno.ENOTDIR => RenameStatus.NotFound,
            Errno.EISDIR or Errno.ENOTEMPTY => RenameStatus.IsDirectory,
            Errno.EXDEV => RenameStatus.CrossDevice,
            Errno.ENOSPC or Errno.EDQUOT => RenameStatus.NoSpace,
            Errno.EACCES or Errno.EPERM or Errno.EROFS => RenameStatus.NotPermitted,
            Errno.EINVAL => RenameStatus.NotSupported,
            _ => RenameStatus.Failed,
        };
    }
}
