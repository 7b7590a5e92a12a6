using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // struct statfs on 64-bit Linux (x86-64 and arm64 alike: asm-generic/statfs.h with 64-bit
    // longs): f_type, f_bsize, f_blocks, f_bfree, f_bavail, … — only the first five are read.
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    internal struct StatfsBuffer
    {
        [FieldOffset(0)] public long Type;
        [FieldOffset(8)] public long BlockSize;
        [FieldOffset(16)] public ulong Blocks;
        [FieldOffset(24)] public ulong BlocksFree;
        // Blocks available to an unprivileged user (root may also use the reserved ones).
        [FieldOffset(32)] public ulong BlocksAvailable;
    }

    [LibraryImport(Name, EntryPoint = "fstatfs", SetLastError = true)]
    internal static unsafe partial int Fstatfs(int fd, StatfsBuffer* buffer);
}
