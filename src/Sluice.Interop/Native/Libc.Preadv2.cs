using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RWF_DONTCACHE (Linux >= 6.14): a buffered read whose pages are dropped from the page cache
    // once the read completes, while kernel read-ahead still works. Older kernels: EOPNOTSUPP.
    internal const int RWF_DONTCACHE = 0x80;

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport(Name, EntryPoint = "preadv2", SetLastError = true)]
    internal static unsafe partial nint Preadv2(int fd, IoVec* iov, int iovcnt, long offset, int flags);
}
