using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const int AT_REMOVEDIR = 0x200;

    [LibraryImport(Name, EntryPoint = "unlinkat", SetLastError = true)]
    internal static unsafe partial int Unlinkat(int dirfd, byte* path, int flags);
}
