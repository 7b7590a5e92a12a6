using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const int PROT_READ = 0x1;
    internal const int MAP_SHARED = 0x01;
    internal static readonly nint MAP_FAILED = -1;

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static unsafe partial int Munmap(void* address, nuint length);

    [LibraryImport(Name, EntryPoint = "mincore", SetLastError = true)]
    internal static unsafe partial int Mincore(void* address, nuint length, byte* vector);
}
