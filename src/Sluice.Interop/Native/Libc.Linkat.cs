using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // AT_SYMLINK_FOLLOW makes linkat follow /proc/self/fd/N to the open (possibly unnamed,
    // O_TMPFILE) file instead of linking the magic link itself; unlike AT_EMPTY_PATH it needs no
    // CAP_DAC_READ_SEARCH (linkat(2)).
    internal const int AT_SYMLINK_FOLLOW = 0x400;

    [LibraryImport(Name, EntryPoint = "linkat", SetLastError = true)]
    internal static unsafe partial int Linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);
}
