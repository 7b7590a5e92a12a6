using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "mkdirat", SetLastError = true)]
    internal static unsafe partial int Mkdirat(int dirfd, byte* path, uint mode);
}
