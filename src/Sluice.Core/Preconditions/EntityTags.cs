using System.Globalization;

namespace Sluice.Core.Preconditions;

public static class EntityTags
{
    // A strong validator (RFC 9110 §8.8.1): "mtime-size" in hex, nginx's form but with the mtime in
    // nanoseconds. Any write that changes content changes the size or the nanosecond mtime. No inode:
    // replicas of one tree (rsync -t, cp -a, one image on many nodes) must give the same tag, or a
    // resume (If-Range) that lands on another node behind a balancer restarts from zero. What that
    // trades away: a file replaced (by rename or in place) with one of the same size and the same
    // nanosecond mtime keeps its tag — practically never by accident, but a tool that copies
    // mtimes (cp -p, rsync -t) over different content of equal size can do it — and a change of
    // inode alone no longer changes the tag. Hex keeps it short and safe inside quotes.
    public static string Create(long length, long mtimeUnixNanoseconds) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{mtimeUnixNanoseconds:x}-{length:x}\"");

    // If-Match / If-None-Match = "*" / #entity-tag (RFC 9110 §13.1.1, §13.1.2). A malformed list
    // matches nothing: for If-Match that fails safe (412), for If-None-Match the request proceeds.
    public static bool ListMatches(ReadOnlySpan<char> headerValue, string currentETag, bool weak)
    {
        ArgumentNullException.ThrowIfNull(currentETag);

        ReadOnlySpan<char> value = headerValue.Trim(" \t");
        if (value is "*")
        {
            return true; // the caller has a current representation, which is all "*" asks for
        }

        ReadOnlySpan<char> current = currentETag;
        if (!TryReadTag(ref current, out bool currentWeak, out ReadOnlySpan<char> currentOpaque) || !current.IsEmpty)
        {
            return false;
        }

        // Strong comparison (§8.8.3.2): both tags must be strong and identical.
        if (!weak && currentWeak)
        {
            return false;
        }

        bool matched = false;
        while (true)
        {
            // Recipients accept empty list elements and OWS around commas (§5.6.1.2).
            value = value.TrimStart(" \t,");
            if (value.IsEmpty)
            {
                return matched;
            }

            if (!TryReadTag(ref value, out bool tagWeak, out ReadOnlySpan<char> opaque))
            {
                return false;
            }

            matched |= opaque.SequenceEqual(currentOpaque) && (weak || !tagWeak);

            value = value.TrimStart(" \t");
            if (!value.IsEmpty && value[0] != ',')
            {
                return false;
            }
        }
    }

    // True if `value` is exactly one entity-tag and it strongly matches the current one.
    internal static bool StrongMatchesSingle(ReadOnlySpan<char> value, string currentETag)
    {
        ReadOnlySpan<char> current = currentETag;
        return TryReadTag(ref value, out bool weak, out ReadOnlySpan<char> opaque) && value.IsEmpty && !weak
            && TryReadTag(ref current, out bool currentWeak, out ReadOnlySpan<char> currentOpaque) && current.IsEmpty && !currentWeak
            && opaque.SequenceEqual(currentOpaque);
    }

    // entity-tag = [ weak ] opaque-tag; weak = %s"W/"; opaque-tag = DQUOTE *etagc DQUOTE;
    // etagc = %x21 / %x23-7E / obs-text (§8.8.3). "W/" is case-sensitive. On success `s` is advanced
    // past the tag and `opaque` holds the quoted part, quotes included.
    internal static bool TryReadTag(ref ReadOnlySpan<char> s, out bool weak, out ReadOnlySpan<char> opaque)
    {
        opaque = default;
        weak = s.StartsWith("W/", StringComparison.Ordinal);
        ReadOnlySpan<char> rest = weak ? s[2..] : s;
        if (rest.IsEmpty || rest[0] != '"')
        {
            return false;
        }

        for (int i = 1; i < rest.Length; i++)
        {
            char c = rest[i];
            if (c == '"')
            {
                opaque = rest[..(i + 1)];
                s = rest[(i + 1)..];
                return true;
            }

            bool etagc = c == 0x21 || (c >= 0x23 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
            if (!etagc)
            {
                return false;
            }
        }

        return false; // unterminated
    }
}
