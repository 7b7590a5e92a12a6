namespace Sluice.Core.Digests;

// Want-Repr-Digest (RFC 9530 §4): a Structured Fields Dictionary (RFC 8941 §3.2) of algorithm keys
// and integer preferences 0–10, where 0 means "not acceptable" and higher means more wanted. The
// server computes only sha-256 (sha-512 is the other active algorithm of RFC 9530 §7.2; md5, sha,
// unixsum … are deprecated and never sent), so the only question asked here is whether sha-256 is
// wanted at all: a client that prefers sha-512 still verifies a sha-256 it also listed.
//
// RFC 8941 §4.2: a Dictionary that fails to parse is ignored as a whole, so a malformed field
// means "nothing wanted", not a guess at the well-formed part. A repeated key keeps its last value
// (§4.2.2), which is also how repeated field lines, joined with commas, combine.
public static class WantReprDigest
{
    public static bool WantsSha256(ReadOnlySpan<byte> field)
    {
        int preference = 0;
        bool seen = false;
        int i = SkipSpaces(field, 0);
        if (i == field.Length)
        {
            return false;
        }

        while (true)
        {
            if (!TryParseMember(field, ref i, out ReadOnlySpan<byte> key, out int? value))
            {
                return false;
            }

            if (key.SequenceEqual("sha-256"u8))
            {
                seen = true;
                // A key without a value is Boolean true, not an Integer (RFC 9530 §4 wants integers).
                preference = value ?? 0;
            }

            i = SkipOws(field, i);
            if (i == field.Length)
            {
                return seen && preference > 0;
            }

            if (field[i] != (byte)',')
            {
                return false;
            }

            i = SkipOws(field, i + 1);
            if (i == field.Length)
            {
                return false; // a trailing comma fails the parse (RFC 8941 §4.2.2)
            }
        }
    }

    // key [ "=" bare-item ] *( ";" key [ "=" bare-item ] ). value is the member's Integer, or null
    // for Boolean true or any other item type (parsed far enough to be skipped).
    private static bool TryParseMember(ReadOnlySpan<byte> s, ref int i, out ReadOnlySpan<byte> key, out int? value)
    {
        value = null;
        if (!TryParseKey(s, ref i, out key))
        {
            return false;
        }

        if (i < s.Length && s[i] == (byte)'=')
        {
            i++;
            if (!TryParseBareItem(s, ref i, out value))
            {
                return false;
            }
        }

        // Parameters (RFC 8941 §3.1.2) are allowed and ignored.
        while (i < s.Length && s[i] == (byte)';')
        {
            i = SkipSpaces(s, i + 1);
            if (!TryParseKey(s, ref i, out _))
            {
                return false;
            }

            if (i < s.Length && s[i] == (byte)'=')
            {
                i++;
                if (!TryParseBareItem(s, ref i, out _))
                {
                    return false;
                }
            }
        }

        return true;
    }

    // RFC 8941 §3.1.2: key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ).
    private static bool TryParseKey(ReadOnlySpan<byte> s, ref int i, out ReadOnlySpan<byte> key)
    {
        int start = i;
        if (i >= s.Length || !(s[i] is >= (byte)'a' and <= (byte)'z' || s[i] == (byte)'*'))
        {
            key = default;
            return false;
        }

        i++;
        while (i < s.Length && (s[i] is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'-' or (byte)'.' or (byte)'*'))
        {
            i++;
        }

        key = s[start..i];
        return true;
    }

    // Integers are read (RFC 8941 §4.2.4: at most 15 digits); tokens, decimals and booleans are
    // skipped with a loose but bounded scan: they only have to end where the member ends.
    private static bool TryParseBareItem(ReadOnlySpan<byte> s, ref int i, out int? integer)
    {
        integer = null;
        if (i >= s.Length)
        {
            return false;
        }

        int start = i;
        if (s[i] is (byte)'-' or >= (byte)'0' and <= (byte)'9')
        {
            bool negative = s[i] == (byte)'-';
            if (negative)
            {
                i++;
            }

            int digits = i;
            long parsed = 0;
            while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9')
            {
                parsed = (parsed * 10) + (s[i] - '0');
                i++;
                if (i - digits > 15)
                {
                    return false;
                }
            }

            if (i == digits)
            {
                return false;
            }

            if (i < s.Length && s[i] == (byte)'.')
            {
                // A Decimal: not an Integer, so no preference.
                i++;
                while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9')
                {
                    i++;
                }

                return true;
            }

            integer = negative ? -(int)Math.Min(parsed, int.MaxValue) : (int)Math.Min(parsed, int.MaxValue);
            return true;
        }

        // "?1" booleans, tokens, "strings", :byte sequences:: read up to the member's end.
        while (i < s.Length && s[i] is not ((byte)',' or (byte)';' or (byte)' ' or (byte)'\t'))
        {
            i++;
        }

        return i > start;
    }

    private static int SkipSpaces(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] == (byte)' ')
        {
            i++;
        }

        return i;
    }

    private static int SkipOws(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        return i;
    }
}
