using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // ssize_t readahead(int fd, off64_t offset, size_t count): starts reading the range into the
    // page cache (and may block while it submits the I/O).
    [LibraryImport(Name, EntryPoint = "readahead", SetLastError = true)]
    internal static partial nint Readahead(int fd, long offset, nuint count);
}
