using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;
    // MSG_MORE: like TCP_CORK for one call — the kernel holds a partial segment for the data that
    // follows (the sendfile body), so header and body leave in the same packets.
    internal const int MSG_MORE = 0x8000;

    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);
}
