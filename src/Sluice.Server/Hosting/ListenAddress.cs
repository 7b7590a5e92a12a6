using System.Net;

namespace Sluice.Server.Hosting;

// --host: an IPv4 or IPv6 address, with or without brackets ("::1", "[::1]"), or "localhost".
// "::" listens dual-stack (IPv6 and IPv4-mapped IPv4 on one socket), as nginx's "[::]:80 ipv6only=off".
public static class ListenAddress
{
    public static bool TryParse(string host, out IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host == "localhost")
        {
            address = IPAddress.Loopback;
            return true;
        }

        ReadOnlySpan<char> text = host.AsSpan();
        if (text.Length > 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
            if (!IPAddress.TryParse(text, out IPAddress? v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                address = IPAddress.None;
                return false;
            }

            address = v6;
            return true;
        }

        // IPAddress.TryParse also reads "[::1]:80" and drops the port: a port belongs in --port.
        if (text.Contains(']') || !IPAddress.TryParse(text, out IPAddress? parsed))
        {
            address = IPAddress.None;
            return false;
        }

        address = parsed;
        return true;
    }
}
