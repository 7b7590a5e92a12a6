using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "readlink", SetLastError = true)]
    internal static unsafe partial nint Readlink(byte* path, byte* buffer, nuint size);
}
