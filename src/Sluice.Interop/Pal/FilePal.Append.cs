using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public static partial class FilePal
{
    // A log file: O_APPEND, so every write lands at the end as the kernel sees it now — after a
    // `logrotate copytruncate` or beside another writer — where .NET's FileMode.Append only seeks
    // once at open and then writes at its own offset. Created 0644 (less the umask), as nginx's.
    // O_NONBLOCK: opening a FIFO for writing otherwise waits until a reader opens it (the server
    // hung at start, never listening, on a FIFO log nobody read); now that is ENXIO, and a full
    // FIFO fails the write (the log writer drops and counts the line) instead of blocking it.
    // Regular files ignore the flag.
    public static FileOpenStatus TryOpenForAppend(string path, out SafeFileHandle handle)
    {
        int fd;
        do
        {
            fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0x1a4);
        }
        while (fd < 0 && Libc.LastErrno == Errno.EINTR);

        return Wrap(fd, out handle);
    }
}
