using System.Buffers.Text;
using System.Text;

namespace Sluice.Core.Listing;

// Content negotiation of a listing (RFC 9110 §12.5.1): JSON when the client weighs
// application/json above text/html. A browser's Accept names text/html (and */* lower), so it
// gets the page; `curl -H 'Accept: application/json'` gets JSON; no Accept at all gets HTML.
// Only the exact types and */* count; other media ranges ("application/*") weigh like */*.
public static class ListingFormat
{
    public static bool PrefersJson(ReadOnlySpan<byte> accept)
    {
        int json = -1;
        int html = -1;
        int star = -1;
        foreach (Range part in accept.Split((byte)','))
        {
            ReadOnlySpan<byte> element = accept[part].Trim(" \t"u8);
            int semicolon = element.IndexOf((byte)';');
            ReadOnlySpan<byte> type = (semicolon < 0 ? element : element[..semicolon]).Trim(" \t"u8);
            int weight = semicolon < 0 ? 1000 : Weight(element[(semicolon + 1)..]);
            if (Ascii.EqualsIgnoreCase(type, "application/json"u8))
            {
                json = Math.Max(json, weight);
            }
            else if (Ascii.EqualsIgnoreCase(type, "text/html"u8))
            {
                html = Math.Max(html, weight);
            }
            else if (type.EndsWith("/*"u8))
            {
                star = Math.Max(star, weight);
            }
        }

        if (json < 0)
        {
            return false; // never chosen through */* alone: HTML is the listing's default
        }

        return json > 0 && json > (html >= 0 ? html : star);
    }

    // "q=0.5" among the parameters, in thousandths; 1000 when absent, 0 when malformed.
    private static int Weight(ReadOnlySpan<byte> parameters)
    {
        foreach (Range range in parameters.Split((byte)';'))
        {
            ReadOnlySpan<byte> p = parameters[range].Trim(" \t"u8);
            if (p.Length >= 2 && (p[0] | 0x20) == 'q' && p[1] == '=')
            {
                return Utf8Parser.TryParse(p[2..], out decimal q, out int consumed) && consumed == p.Length - 2 && q is >= 0 and <= 1
                    ? (int)(q * 1000)
                    : 0;
            }
        }

        return 1000;
    }
}
