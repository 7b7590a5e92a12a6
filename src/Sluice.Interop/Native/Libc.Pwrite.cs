using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "pwrite", SetLastError = true)]
    internal static unsafe partial nint Pwrite(int fd, byte* buffer, nuint count, long offset);
}
