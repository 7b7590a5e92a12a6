using System.Net;

namespace Sluice.Core.Proxy;

// X-Forwarded-For: "client, proxy1, proxy2" — each proxy appends the address it received the
// request from. Only the entries added by proxies we trust can be believed, and any client can
// write anything to the left of them, so the client is the rightmost address that is NOT a
// trusted proxy (nginx real_ip_recursive on, HAProxy/Envoy "trusted hops"). The walk starts at the
// connection's peer: if that is not trusted, the header is ignored entirely.
public static class ForwardedFor
{
    public static IPAddress Resolve(IPAddress peer, ReadOnlySpan<char> header, TrustedProxies trusted)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(trusted);
        IPAddress current = TrustedProxies.Normalize(peer);
        while (trusted.Contains(current))
        {
            header = header.TrimEnd(" \t,");
            if (header.IsEmpty)
            {
                break; // every hop is trusted: the leftmost one is the best we know
            }

            int comma = header.LastIndexOf(',');
            ReadOnlySpan<char> element = header[(comma + 1)..].Trim(" \t");
            header = comma < 0 ? default : header[..comma];
            if (!TryParseElement(element, out IPAddress? hop))
            {
                break; // garbage written by a trusted hop's client: stop at the last hop we can name
            }

            current = TrustedProxies.Normalize(hop);
        }

        return current;
    }

    // Entries are bare addresses; some proxies add a port ("1.2.3.4:5678", "[2001:db8::1]:80").
    // Only canonical text counts (IPAddressText): "0x7f.1" is garbage, not 127.0.0.1.
    private static bool TryParseElement(ReadOnlySpan<char> element, out IPAddress address) =>
        IPAddressText.TryParseWithPort(element, out address);
}
