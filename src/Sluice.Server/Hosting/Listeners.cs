using System.Net;
using System.Net.Sockets;
using Sluice.Interop.Pal;

namespace Sluice.Server.Hosting;

public static class Listeners
{
    // Binds and listens exclusively (SO_REUSEADDR without SO_REUSEPORT), or throws ListenerBindException naming the listener.
    public static Socket Listen(string listener, IPEndPoint endpoint, int backlog)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            SocketPal.SetReuseAddressOnly(socket);
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                // "::" serves IPv4 too (as IPv4-mapped addresses), whatever net.ipv6.bindv6only says.
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ListenerBindException(listener, endpoint, ex);
        }
    }
}
