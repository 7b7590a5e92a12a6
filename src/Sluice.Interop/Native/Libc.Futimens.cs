using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // times[0] is the access time, times[1] the modification time; UTIME_OMIT leaves one as it is.
    internal const long UTIME_OMIT = (1L << 30) - 2L;

    [LibraryImport(Name, EntryPoint = "futimens", SetLastError = true)]
    internal static unsafe partial int Futimens(int fd, Timespec* times);
}
