using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const uint STATX_TYPE = 0x1;
    internal const uint STATX_MODE = 0x2;
    internal const uint STATX_NLINK = 0x4;
    internal const uint STATX_MTIME = 0x40;
    internal const uint STATX_INO = 0x100;
    internal const uint STATX_SIZE = 0x200;
    internal const uint STATX_BASIC_STATS = 0x7ff;
    internal const uint STATX_DIOALIGN = 0x2000;

    internal const int S_IFMT = 0xF000;
    internal const int S_IFDIR = 0x4000;
    internal const int S_IFREG = 0x8000;

    // struct statx is architecture-independent (linux/stat.h), which is why it is used instead of fstat.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(4)] public uint BlockSize;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(96)] public long CtimeSeconds;
        [FieldOffset(104)] public uint CtimeNanoseconds;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
        [FieldOffset(152)] public uint DioMemAlign;
        [FieldOffset(156)] public uint DioOffsetAlign;
    }

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true)]
    private static unsafe partial int StatxNative(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    internal static unsafe int StatxAt(int dirfd, ReadOnlySpan<byte> nulTerminatedPath, uint mask, out StatxBuffer buffer)
    {
        fixed (byte* p = nulTerminatedPath)
        fixed (StatxBuffer* b = &buffer)
        {
            return StatxNative(dirfd, p, 0, mask, b);
        }
    }

    internal static unsafe int Fstatx(int fd, uint mask, out StatxBuffer buffer)
    {
        byte empty = 0;
        fixed (StatxBuffer* b = &buffer)
        {
            return StatxNative(fd, &empty, AT_EMPTY_PATH, mask, b);
        }
    }
}
