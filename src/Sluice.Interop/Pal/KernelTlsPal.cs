using System.Net;
using System.Net.Sockets;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Detects kernel TLS once, at start. TCP_ULP is only accepted on an ESTABLISHED socket (ENOTCONN
// otherwise), so the probe connects a throwaway pair over loopback and asks on the client side.
// Nothing is sent on the pair and it is closed at once; it never carries data.
public static class KernelTlsPal
{
    public static unsafe KernelTlsStatus Probe()
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using Socket accepted = listener.Accept();
            int fd = (int)client.SafeHandle.DangerousGetHandle();
            ReadOnlySpan<byte> ulp = "tls"u8;
            int result;
            fixed (byte* name = ulp)
            {
                result = Libc.Setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_ULP, name, (uint)ulp.Length);
            }

            if (result == 0)
            {
                return KernelTlsStatus.Available;
            }

            return Libc.LastErrno == Errno.ENOENT ? KernelTlsStatus.NotInKernel : KernelTlsStatus.Refused;
        }
        catch (SocketException)
        {
            return KernelTlsStatus.Unknown;
        }
    }
}
