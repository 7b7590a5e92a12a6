namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // socket(7) constants; the same on x86-64 and arm64 (asm-generic/socket.h).
    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;

    // tcp(7): getsockopt(IPPROTO_TCP, TCP_INFO) fills struct tcp_info.
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_INFO = 11;
}
