using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// A pipe used as the in-kernel buffer between a socket and a file (splice needs a pipe on one
// side). Both ends non-blocking and close-on-exec. Capacity is what F_SETPIPE_SZ granted: a
// larger pipe means fewer splice calls and fewer hand-offs to the disk engine per MiB; an
// unprivileged process is capped at /proc/sys/fs/pipe-max-size and keeps the default 64 KiB if
// the kernel refuses more.
//
// Invariant kept by the caller: it never puts more bytes into the pipe than Capacity and drains
// everything it put in before reusing it, so an EAGAIN from the socket side always means "socket
// empty", never "pipe full".
public sealed class SplicePipe : IDisposable
{
    private SplicePipe(SafeFileHandle read, SafeFileHandle write, int capacity)
    {
        Read = read;
        Write = write;
        Capacity = capacity;
    }

    public SafeFileHandle Read { get; }

    public SafeFileHandle Write { get; }

    public int Capacity { get; }

    // null when the process is out of descriptors (EMFILE/ENFILE) or memory for pipes.
    public static unsafe SplicePipe? TryCreate(int requestedCapacity)
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
        {
            return null;
        }

        var read = new SafeFileHandle(fds[0], ownsHandle: true);
        var write = new SafeFileHandle(fds[1], ownsHandle: true);
        int capacity = Libc.Fcntl(fds[1], Libc.F_SETPIPE_SZ, requestedCapacity);
        if (capacity <= 0)
        {
            // EPERM above pipe-max-size (or the user's pipe-user-pages-soft quota): keep what it has.
            capacity = Libc.Fcntl(fds[1], Libc.F_GETPIPE_SZ, 0);
        }

        return new SplicePipe(read, write, capacity > 0 ? capacity : 64 * 1024);
    }

    public void Dispose()
    {
        Read.Dispose();
        Write.Dispose();
    }
}
