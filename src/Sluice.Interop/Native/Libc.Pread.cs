using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);
}
