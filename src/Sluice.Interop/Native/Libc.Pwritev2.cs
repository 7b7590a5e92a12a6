using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RWF_DONTCACHE (Libc.Preadv2.cs) on a write (Linux >= 6.14): written through the page cache,
    // and the pages are dropped once their writeback completes. EOPNOTSUPP where the filesystem
    // does not implement it (tmpfs here) and on older kernels.
    [LibraryImport(Name, EntryPoint = "pwritev2", SetLastError = true)]
    internal static unsafe partial nint Pwritev2(int fd, IoVec* iov, int iovcnt, long offset, int flags);
}
