using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RWF_DONTCACHE (Linux >= 6.14): a buffered read whose pages are dropped from the page cache
    // once the read completes, while kernel read-ahead still works. Older kernels: EOPNOTSUPP.
    internal const int RWF_DONTCACHE = 0x80;

    // RWF_NOWAIT (Linux 4.14): read only what the page cache holds; EAGAIN instead of waiting on
    // the disk (a short count when part of the range is cached). tmpfs refuses it (EOPNOTSUPP).
    internal const int RWF_NOWAIT = 0x08;

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport(Name, EntryPoint = "preadv2", SetLastError = true)]
    internal static unsafe partial nint Preadv2(int fd, IoVec* iov, int iovcnt, long offset, int flags);
}
