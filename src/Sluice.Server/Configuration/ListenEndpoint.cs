using System.Globalization;
using System.Net;

namespace Sluice.Server.Configuration;

// Parses a listener address as people write it: HOST:PORT with an IPv4 address or "localhost",
// [IPv6]:PORT (brackets, RFC 3986 §3.2.2, since the address itself contains colons), or :PORT
// for the main listener's address (--host), as Go's and Prometheus' listen flags allow. Names
// other than localhost are refused: the server never resolves names at start.
public static class ListenEndpoint
{
    public const string Forms = "HOST:PORT, :PORT or [IPv6]:PORT, e.g. localhost:9100";

    public static bool TryParse(string text, string defaultHost, out IPEndPoint endpoint)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        string host = text[..colon];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            return false;
        }

        if (host.Length == 0)
        {
            host = defaultHost;
        }
        else if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!host.Contains(':'))
            {
                return false;
            }
        }
        else if (host.Contains(':'))
        {
            // An IPv6 address without brackets: the port is ambiguous ("::1:9100").
            return false;
        }

        if (!TryParseHost(host, out IPAddress? address))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    public static bool TryParseHost(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        if (host == "localhost")
        {
            address = IPAddress.Loopback;
            return true;
        }

        return IPAddress.TryParse(host, out address);
    }
}
