using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RENAME_NOREPLACE: fail with EEXIST instead of replacing (the create-only commit).
    internal const uint RENAME_NOREPLACE = 0x1;

    // glibc ≥ 2.28 wraps renameat2 (Debian 12 has 2.36).
    [LibraryImport(Name, EntryPoint = "renameat2", SetLastError = true)]
    internal static unsafe partial int Renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
}
