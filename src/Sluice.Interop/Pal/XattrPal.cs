using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Extended attributes of an open file (fgetxattr/fsetxattr: by descriptor, so the attribute is
// the one of the inode this process opened, whatever its path names now). Both may wait on the
// disk (an attribute can live outside the inode): disk threads only.
public static class XattrPal
{
    public static unsafe XattrStatus TryGet(SafeFileHandle file, string name, Span<byte> destination, out int length)
    {
        BlockingGuard.Check("fgetxattr");
        nint n;
        fixed (byte* p = destination)
        {
            do
            {
                n = Libc.Fgetxattr((int)file.DangerousGetHandle(), name, p, (nuint)destination.Length);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        length = n < 0 ? 0 : (int)n;
        return n >= 0 ? XattrStatus.Done : StatusOf(Libc.LastErrno);
    }

    public static unsafe XattrStatus TrySet(SafeFileHandle file, string name, ReadOnlySpan<byte> value)
    {
        BlockingGuard.Check("fsetxattr");
        int result;
        fixed (byte* p = value)
        {
            do
            {
                result = Libc.Fsetxattr((int)file.DangerousGetHandle(), name, p, (nuint)value.Length, 0);
            }
            while (result < 0 && Libc.LastErrno == Errno.EINTR);
        }

        return result == 0 ? XattrStatus.Done : StatusOf(Libc.LastErrno);
    }

    private static XattrStatus StatusOf(Errno errno) => errno switch
    {
        Errno.ENODATA => XattrStatus.Absent,
        Errno.ERANGE => XattrStatus.TooLarge,
        Errno.EOPNOTSUPP => XattrStatus.NotSupported,
        Errno.EACCES or Errno.EPERM or Errno.EROFS => XattrStatus.NotPermitted,
        Errno.ENOSPC or Errno.EDQUOT or Errno.E2BIG => XattrStatus.NoSpace,
        _ => XattrStatus.Failed,
    };
}
