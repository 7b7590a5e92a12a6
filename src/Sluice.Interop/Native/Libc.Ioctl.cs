using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // TIOCOUTQ (asm-generic/ioctls.h; the same value on x86-64 and arm64), which tcp(7) calls
    // SIOCOUTQ on a TCP socket: the bytes in the send queue not yet acknowledged by the peer.
    internal const nuint SIOCOUTQ = 0x5411;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, int* argument);
}
