using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // Allocate blocks without changing the file's size: the length stays what was written, so a
    // cut upload's file shows exactly its bytes, while the blocks (fewer extents, ENOSPC up front)
    // are reserved for the rest.
    internal const int FALLOC_FL_KEEP_SIZE = 1;

    [LibraryImport(Name, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Fallocate(int fd, int mode, long offset, long length);
}
