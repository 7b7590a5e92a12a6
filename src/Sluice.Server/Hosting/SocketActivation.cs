using System.Globalization;
using System.Net.Sockets;

namespace Sluice.Server.Hosting;

// systemd's socket activation (sd_listen_fds(3)): the service manager binds the listening
// sockets and passes them as descriptors 3, 4, … with LISTEN_FDS=<count> and LISTEN_PID=<our pid>.
// The socket outlives the process, so a restart queues new connections in the kernel's backlog
// instead of refusing them while the port is unbound (Sluice binds exclusively, without
// SO_REUSEPORT, so two instances cannot overlap on one port). LISTEN_PID guards against variables
// inherited by a child that was not meant to take the sockets; like sd_listen_fds(unset=1), the
// variables are removed once read so our own children never see them.
public static class SocketActivation
{
    public const int FirstDescriptor = 3;

    // Null when this process was not socket-activated.
    public static Socket[]? TakeInheritedListeners()
    {
        string? fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        if (fds is null || pid is null)
        {
            return null;
        }

        if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int listenPid) || listenPid != Environment.ProcessId)
        {
            return null;
        }

        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        if (!int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > 64)
        {
            throw new InvalidOperationException($"socket activation: LISTEN_FDS='{fds}' is not a count of descriptors");
        }

        var sockets = new Socket[count];
        for (int i = 0; i < count; i++)
        {
            int fd = FirstDescriptor + i;
            Socket? socket = null;
            bool listening;
            try
            {
                socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                // Only listening TCP sockets can be served (a unit with ListenDatagram= or Accept=yes is a mistake).
                listening = socket.SocketType == SocketType.Stream && socket.LocalEndPoint is System.Net.IPEndPoint
                    && (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! != 0;
            }
            catch (SocketException)
            {
                listening = false; // ENOTSOCK: the descriptor is a file, a pipe, or nothing
            }

            if (!listening)
            {
                socket?.Dispose();
                throw new InvalidOperationException($"socket activation: descriptor {fd} (LISTEN_FDS={count}) is not a listening TCP socket");
            }

            sockets[i] = socket!;
        }

        return sockets;
    }
}
