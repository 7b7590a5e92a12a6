using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count); off_t is 64-bit on LP64.
    [LibraryImport(Name, EntryPoint = "sendfile", SetLastError = true)]
    internal static unsafe partial nint Sendfile(int outFd, int inFd, long* offset, nuint count);
}
