using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public static partial class FilePal
{
    // The number of names the open inode still has; 0 once the file was deleted (or replaced by a
    // rename) while we hold it open. Such a descriptor keeps the file's blocks allocated.
    public static bool TryGetLinkCount(SafeFileHandle handle, out uint links)
    {
        if (Libc.Fstatx((int)handle.DangerousGetHandle(), Libc.STATX_NLINK, out Libc.StatxBuffer buffer) != 0
            || (buffer.Mask & Libc.STATX_NLINK) == 0)
        {
            links = 0;
            return false;
        }

        links = buffer.Nlink;
        return true;
    }

    // The absolute path through which the kernel resolved an open descriptor: readlink of
    // /proc/self/fd/N. The kernel records the dentry path it actually walked (after every symlink),
    // so this names the file as opened, not as requested — a race-free answer to "where did this
    // open land?". If the file was unlinked since, the kernel appends " (deleted)" to the last
    // component. Null when the link cannot be read.
    public static unsafe string? TryGetResolvedPath(SafeFileHandle handle)
    {
        byte* link = stackalloc byte[32];
        string linkPath = "/proc/self/fd/" + ((int)handle.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int linkLength = Encoding.ASCII.GetBytes(linkPath, new Span<byte>(link, 31));
        link[linkLength] = 0;

        const int Max = 4096;
        byte[] buffer = new byte[Max];
        nint n;
        fixed (byte* b = buffer)
        {
            n = Libc.Readlink(link, b, Max);
        }

        if (n <= 0 || n >= Max || buffer[0] != (byte)'/')
        {
            return null;
        }

        return Sluice.Core.Paths.FileNameEncoding.GetString(buffer.AsSpan(0, (int)n));
    }
}
