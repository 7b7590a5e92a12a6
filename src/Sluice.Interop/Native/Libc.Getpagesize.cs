using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "getpagesize")]
    internal static partial int GetPageSize();
}
