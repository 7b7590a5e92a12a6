using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // Same values on x86-64 and arm64 (asm-generic/fcntl.h).
    internal const int O_CREAT = 0x40;
    internal const int O_APPEND = 0x400;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true)]
    private static unsafe partial int Open(byte* path, int flags, int mode);

    internal static unsafe int Open(string path, int flags, int mode)
    {
        fixed (byte* p = NativePath.ToNulTerminated(path, stackalloc byte[256]))
        {
            return Open(p, flags, mode);
        }
    }

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
