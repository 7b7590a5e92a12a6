using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RENAME_NOREPLACE (Linux 3.15; ext4, XFS, btrfs, tmpfs): fail with EEXIST instead of replacing
    // the new name — create-only in one atomic step, where rename(2) would need a racy check first.
    internal const uint RENAME_NOREPLACE = 1;

    [LibraryImport(Name, EntryPoint = "renameat2", SetLastError = true)]
    internal static unsafe partial int Renameat2(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, uint flags);
}
