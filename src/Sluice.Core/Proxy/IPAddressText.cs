using System.Globalization;
using System.Net;

namespace Sluice.Core.Proxy;

// Strict address text for X-Forwarded-For: dotted-quad decimal IPv4 and RFC 4291 §2.2 IPv6.
// IPAddress.TryParse is inet_aton-lenient — "0x7f.1", "127.1", "2130706433", "017.0.0.1" (octal)
// all parse — so a client-written hop could name an address in a form that log readers and
// allow-lists see as something else. Leading zeros are refused as ambiguous (octal to inet_aton,
// decimal to others; RFC 6943 §3.1.1). IPv6 is checked for its character set (no zone "%eth0",
// no brackets) and its embedded IPv4 tail by the IPv4 rule, then parsed by the runtime.
public static class IPAddressText
{
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
        {
            return TryParseV6(text, out address);
        }

        if (!IsDottedQuad(text))
        {
            return false;
        }

        address = IPAddress.Parse(text);
        return true;
    }

    // An address with an optional port, as some proxies write hops: "a.b.c.d:port", "[v6]:port", "[v6]".
    public static bool TryParseWithPort(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            return close > 0
                && (close == text.Length - 1 || (text[close + 1] == ':' && IsPort(text[(close + 2)..])))
                && TryParseV6(text[1..close], out address);
        }

        int colon = text.IndexOf(':');
        if (colon >= 0 && colon == text.LastIndexOf(':'))
        {
            return IsPort(text[(colon + 1)..]) && IsDottedQuad(text[..colon]) && TryParse(text[..colon], out address);
        }

        return TryParse(text, out address);
    }

    private static bool TryParseV6(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        int lastColon = text.LastIndexOf(':');
        if (lastColon < 0 || text.IndexOfAnyExcept("0123456789abcdefABCDEF:.") >= 0)
        {
            return false;
        }

        ReadOnlySpan<char> tail = text[(lastColon + 1)..];
        if (tail.Contains('.') && !IsDottedQuad(tail))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            if (++parts > 4 || part.Length is 0 or > 3 || part.IndexOfAnyExceptInRange('0', '9') >= 0
                || (part.Length > 1 && part[0] == '0') || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return parts == 4;
    }

    private static bool IsPort(ReadOnlySpan<char> text) =>
        text.Length is > 0 and <= 5 && text.IndexOfAnyExceptInRange('0', '9') < 0 && int.Parse(text, CultureInfo.InvariantCulture) <= 65535;
}
