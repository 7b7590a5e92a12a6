using System.Text;

namespace Sluice.Core.Content;

// Accept-Encoding (RFC 9110 §12.5.3) reduced to what a server with brotli, zstd and gzip variants
// needs: the weight the client gives each of them, identity and "*".
//
// Design note. Accept-Encoding = #( codings [ weight ] ), codings = content-coding / "identity" /
// "*", weight = OWS ";" OWS "q=" qvalue (§12.4.2). Decisions the RFC leaves open:
// - No field at all: §12.5.3 says any coding is then acceptable, but clients that send none
//   (curl, wget, scripts) would store compressed bytes under the plain name; like nginx
//   gzip_static and Caddy, only codings the client names (or "*") are chosen. An empty field
//   means "identity only" (§12.5.3), which is the same answer.
// - A malformed element (a bad token, a bad qvalue, a parameter other than q) is ignored on its
//   own; the rest of the field still counts, since one odd element says nothing about the others.
// - A coding named twice takes its lowest weight: a refusal (q=0) anywhere is honored.
// - Ties: a coding the client weighs as high as identity is preferred (it is what the variant is
//   for), and among codings of equal weight the server's order br > zstd > gzip decides.
// - Identity is acceptable unless "identity;q=0", or "*;q=0" without an identity entry, refuses it
//   (§12.5.3). It competes by weight only when the client weighs it (named, or through "*"):
//   "gzip;q=0.5" alone still selects gzip.
// "x-gzip" is gzip (§8.4.1.3). Weights are kept in thousandths, the qvalue's full precision.
public readonly struct AcceptEncoding
{
    private const short Unnamed = -1;

    private readonly short _brotli;
    private readonly short _zstd;
    private readonly short _gzip;
    private readonly short _identity;
    private readonly short _star;

    private AcceptEncoding(short brotli, short zstd, short gzip, short identity, short star)
    {
        _brotli = brotli;
        _zstd = zstd;
        _gzip = gzip;
        _identity = identity;
        _star = star;
    }

    // The answer when the request has no Accept-Encoding field: identity only (see above).
    public static AcceptEncoding Absent => new(Unnamed, Unnamed, Unnamed, Unnamed, Unnamed);

    public static AcceptEncoding Parse(ReadOnlySpan<byte> value)
    {
        short brotli = Unnamed, zstd = Unnamed, gzip = Unnamed, identity = Unnamed, star = Unnamed;
        foreach (Range part in value.Split((byte)','))
        {
            ReadOnlySpan<byte> element = value[part].Trim(" \t"u8);
            if (element.IsEmpty || !TryParseElement(element, out ReadOnlySpan<byte> coding, out short weight))
            {
                continue;
            }

            if (Ascii.EqualsIgnoreCase(coding, "br"u8))
            {
                brotli = Lowest(brotli, weight);
            }
            else if (Ascii.EqualsIgnoreCase(coding, "zstd"u8))
            {
                zstd = Lowest(zstd, weight);
            }
            else if (Ascii.EqualsIgnoreCase(coding, "gzip"u8) || Ascii.EqualsIgnoreCase(coding, "x-gzip"u8))
            {
                gzip = Lowest(gzip, weight);
            }
            else if (Ascii.EqualsIgnoreCase(coding, "identity"u8))
            {
                identity = Lowest(identity, weight);
            }
            else if (coding is [(byte)'*'])
            {
                star = Lowest(star, weight);
            }
        }

        return new AcceptEncoding(brotli, zstd, gzip, identity, star);
    }

    // The weight in thousandths (0 = not acceptable) the client gives a coding, "*" applied.
    public int QualityOf(ContentCoding coding)
    {
        short named = coding switch
        {
            ContentCoding.Brotli => _brotli,
            ContentCoding.Zstd => _zstd,
            ContentCoding.Gzip => _gzip,
            _ => _identity,
        };

        if (named != Unnamed)
        {
            return named;
        }

        if (_star != Unnamed)
        {
            return _star;
        }

        // Identity is acceptable by default (§12.5.3); other codings only when named.
        return coding == ContentCoding.Identity ? 1000 : 0;
    }

    // The codings worth trying before identity, best first (empty: serve identity).
    public PreferredCodings Rank()
    {
        Span<ContentCoding> ranked = stackalloc ContentCoding[3];
        int count = 0;
        bool identityWeighed = _identity != Unnamed || _star != Unnamed;
        int identity = identityWeighed ? QualityOf(ContentCoding.Identity) : 0;

        // Insertion by weight, stable, over the server's order: equal weights keep br > zstd > gzip.
        foreach (ContentCoding coding in (ReadOnlySpan<ContentCoding>)[ContentCoding.Brotli, ContentCoding.Zstd, ContentCoding.Gzip])
        {
            int q = QualityOf(coding);
            if (q == 0 || q < identity)
            {
                continue;
            }

            int at = count;
            while (at > 0 && QualityOf(ranked[at - 1]) < q)
            {
                ranked[at] = ranked[at - 1];
                at--;
            }

            ranked[at] = coding;
            count++;
        }

        return PreferredCodings.Of(ranked[..count]);
    }

    private static short Lowest(short current, short weight) => current == Unnamed ? weight : Math.Min(current, weight);

    // element = token [ OWS ";" OWS "q=" qvalue ] with OWS already trimmed from both ends.
    private static bool TryParseElement(ReadOnlySpan<byte> element, out ReadOnlySpan<byte> coding, out short weight)
    {
        weight = 1000;
        int end = 0;
        while (end < element.Length && IsTokenChar(element[end]))
        {
            end++;
        }

        coding = element[..end];
        if (end == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = element[end..].TrimStart(" \t"u8);
        if (rest.IsEmpty)
        {
            return true;
        }

        if (rest[0] != (byte)';')
        {
            return false;
        }

        rest = rest[1..].TrimStart(" \t"u8);

        // Parameter names are case-insensitive (§5.6.6): "Q=0.5" is a weight too.
        if (rest.Length < 2 || (rest[0] | 0x20) != (byte)'q' || rest[1] != (byte)'=')
        {
            return false;
        }

        return TryParseQValue(rest[2..], out weight);
    }

    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (§12.4.2), in thousandths.
    private static bool TryParseQValue(ReadOnlySpan<byte> s, out short thousandths)
    {
        thousandths = 0;
        if (s.IsEmpty || s.Length > 5 || s[0] is not ((byte)'0' or (byte)'1'))
        {
            return false;
        }

        int value = (s[0] - '0') * 1000;
        if (s.Length > 1)
        {
            if (s[1] != (byte)'.')
            {
                return false;
            }

            int scale = 100;
            foreach (byte b in s[2..])
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }

                value += (b - '0') * scale;
                scale /= 10;
            }
        }

        if (value > 1000)
        {
            return false; // "1.5", "1.001"
        }

        thousandths = (short)value;
        return true;
    }

    // tchar (RFC 9110 §5.6.2).
    private static bool IsTokenChar(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\''
            or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
