using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // tcp(7) / Documentation/networking/tls.rst: TCP_ULP attaches an upper-layer protocol to an
    // established TCP socket; "tls" is kernel TLS (needs CONFIG_TLS, else ENOENT).
    internal const int TCP_ULP = 31;

    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int Setsockopt(int fd, int level, int name, byte* value, uint length);
}
