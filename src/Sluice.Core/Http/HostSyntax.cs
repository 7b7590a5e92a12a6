namespace Sluice.Core.Http;

// RFC 9110 §7.2: Host = uri-host [ ":" port ], with RFC 3986 §3.2.2 for uri-host:
//   uri-host    = IP-literal / IPv4address / reg-name
//   IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
//   reg-name    = *( unreserved / pct-encoded / sub-delims )
//   port        = *DIGIT
// IPv4address is a special case of reg-name, so the check is purely syntactic: a name made of
// the allowed characters, a bracketed literal, an optional port. An empty value is allowed (the
// target's authority may be empty, RFC 9112 §3.2); spaces, commas between names written as a
// list with OWS, '@', '/', a second ':' outside brackets, or any control byte are not.
public static class HostSyntax
{
    public static bool IsValid(ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> rest;
        if (!value.IsEmpty && value[0] == (byte)'[')
        {
            int close = value.IndexOf((byte)']');
            if (close < 2 || !IsIpLiteral(value[1..close]))
            {
                return false;
            }

            rest = value[(close + 1)..];
        }
        else
        {
            int colon = value.IndexOf((byte)':');
            ReadOnlySpan<byte> name = colon < 0 ? value : value[..colon];
            if (!IsRegName(name))
            {
                return false;
            }

            rest = colon < 0 ? [] : value[colon..];
        }

        // [ ":" *DIGIT ]; a port must fit the 16 bits it names (five digits alone do not: 65536).
        return rest.IsEmpty || (rest[0] == (byte)':' && IsPort(rest[1..]));
    }

    private static bool IsPort(ReadOnlySpan<byte> digits)
    {
        if (digits.Length > 5 || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            return false;
        }

        int port = 0;
        foreach (byte b in digits)
        {
            port = (port * 10) + (b - (byte)'0');
        }

        return port <= ushort.MaxValue;
    }

    private static bool IsRegName(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= name.Length || !IsHex(name[i + 1]) || !IsHex(name[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (!IsUnreserved(b) && !IsSubDelim(b))
            {
                return false;
            }
        }

        return true;
    }

    // IPv6address (hex digits, ':' and a dotted IPv4 tail) or IPvFuture ("v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )).
    private static bool IsIpLiteral(ReadOnlySpan<byte> literal)
    {
        if (literal[0] is (byte)'v' or (byte)'V')
        {
            int dot = literal.IndexOf((byte)'.');
            if (dot < 2 || dot == literal.Length - 1)
            {
                return false;
            }

            foreach (byte b in literal[1..dot])
            {
                if (!IsHex(b))
                {
                    return false;
                }
            }

            foreach (byte b in literal[(dot + 1)..])
            {
                if (!IsUnreserved(b) && !IsSubDelim(b) && b != (byte)':')
                {
                    return false;
                }
            }

            return true;
        }

        foreach (byte b in literal)
        {
            if (!IsHex(b) && b != (byte)':' && b != (byte)'.')
            {
                return false;
            }
        }

        return literal.Contains((byte)':');
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static bool IsUnreserved(byte b) => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';

    private static bool IsSubDelim(byte b) => b is (byte)'!' or (byte)'$' or (byte)'&' or (byte)'\'' or (byte)'(' or (byte)')' or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=';
}
