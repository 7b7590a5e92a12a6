using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // cachestat(2), Linux >= 6.5: page-cache residency of a file range in one call, without
    // mapping the file. Number 451 on every architecture.
    private const long SYS_cachestat = 451;

    [StructLayout(LayoutKind.Sequential)]
    internal struct CachestatRange
    {
        public ulong Offset;
        public ulong Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Cachestat
    {
        public ulong NrCache;
        public ulong NrDirty;
        public ulong NrWriteback;
        public ulong NrEvicted;
        public ulong NrRecentlyEvicted;
    }

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SyscallCachestat(long number, int fd, CachestatRange* range, Cachestat* stat, uint flags);

    internal static unsafe int CachestatCall(int fd, ulong offset, ulong length, out Cachestat stat)
    {
        var range = new CachestatRange { Offset = offset, Length = length };
        fixed (Cachestat* s = &stat)
        {
            return (int)SyscallCachestat(SYS_cachestat, fd, &range, s, 0);
        }
    }
}
