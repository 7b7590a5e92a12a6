using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // struct linux_dirent64 (include/linux/dirent.h): u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type,
    // then d_name, NUL-terminated and padded to 8 bytes. d_reclen is the record's whole length.
    internal const int Dirent64ReclenOffset = 16;
    internal const int Dirent64TypeOffset = 18;
    internal const int Dirent64NameOffset = 19;

    // glibc's wrapper (2.30+) of the system call, which has different numbers on x86-64 and arm64.
    [LibraryImport(Name, EntryPoint = "getdents64", SetLastError = true)]
    internal static unsafe partial nint Getdents64(int fd, byte* buffer, nuint count);
}
