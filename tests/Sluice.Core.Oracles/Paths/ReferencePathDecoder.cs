using System.Text;
using Sluice.Core.Paths;

namespace Sluice.Core.Oracles.Paths;

// RequestPathDecoder's contract read literally, for comparison with it: decode every escape once,
// refuse the first bad byte (raw or decoded), then strict UTF-8, then RFC 3986 §5.2.4 dot segments on
// the decoded text with a stack, where ".." above the root is refused instead of clamped. Slow and
// obviously correct (lists, strings, the BCL's strict UTF-8 decoder); shares no code with it.
public static class ReferencePathDecoder
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static (PathRejection Rejection, string Path, bool TrailingSlash) Decode(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length == 0 || raw[0] != '/')
        {
            return (PathRejection.NotOriginForm, "", false);
        }

        var bytes = new List<byte>();
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b == '%')
            {
                // pct-encoded = "%" HEXDIG HEXDIG
                if (i + 2 >= raw.Length || !char.IsAsciiHexDigit((char)raw[i + 1]) || !char.IsAsciiHexDigit((char)raw[i + 2]))
                {
                    return (PathRejection.MalformedEncoding, "", false);
                }

                b = Convert.FromHexString(Encoding.ASCII.GetString(raw, i + 1, 2))[0];
                i += 2;
            }

            PathRejection verdict = b switch
            {
                0 => PathRejection.NulByte,
                (byte)'\\' => PathRejection.Backslash,
                < 0x20 or 0x7F => PathRejection.MalformedEncoding,
                _ => PathRejection.None,
            };
            if (verdict != PathRejection.None)
            {
                return (verdict, "", false);
            }

            bytes.Add(b);
        }

        string decoded;
        try
        {
            decoded = s_strictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return (PathRejection.InvalidUtf8, "", false);
        }

        var segments = new List<string>();
        foreach (string segment in decoded.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count == 0)
                    {
                        return (PathRejection.EscapesRoot, "", false);
                    }

                    segments.RemoveAt(segments.Count - 1);
                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        return (PathRejection.None, string.Join('/', segments), decoded.EndsWith('/'));
    }
}
