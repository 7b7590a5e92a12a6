using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // fcntl commands for a pipe's capacity (Linux 2.6.35). An unprivileged process may raise it up
    // to /proc/sys/fs/pipe-max-size (1 MiB by default); F_SETPIPE_SZ returns the size it set,
    // rounded up to a power-of-two number of pages.
    internal const int F_SETPIPE_SZ = 1031;
    internal const int F_GETPIPE_SZ = 1032;

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);
}
