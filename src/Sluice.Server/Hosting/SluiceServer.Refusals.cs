using System.Net.Sockets;
using Sluice.Server.Logging;
using Sluice.Server.Metrics;

namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
    private static readonly int s_busyBodyBytes = s_busyResponse.Length - (s_busyResponse.AsSpan().IndexOf("\r\n\r\n"u8) + 4);

    // A 503 at accept has no request: the access log shows it with "-" for the request line (as
    // nginx logs a connection refused before its request), reason naming the limit that was hit.
    private void LogRefusal(Socket socket, BusyKind kind)
    {
        string remote;
        try
        {
            remote = socket.RemoteEndPoint?.ToString() ?? "-";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            remote = "-";
        }

        Log.Access(new AccessLogEntry(
            DateTimeOffset.UtcNow, remote, "", "", "", 503, s_busyResponse.Length, "inline",
            kind == BusyKind.Server ? "connection_limit" : "address_limit", "completed", 0, s_busyBodyBytes));
    }
}
