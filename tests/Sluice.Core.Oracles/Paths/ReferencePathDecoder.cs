using System.Text;
using Sluice.Core.Paths;

namespace Sluice.Core.Oracles.Paths;

// RequestPathDecoder's contract read literally, for comparison with it: decode every escape once,
// refuse the first bad byte (raw or decoded), then RFC 3986 §5.2.4 dot segments on the decoded bytes
// with a stack, where ".." above the root is refused instead of clamped, then each name's bytes as
// text by surrogateescape (valid UTF-8 as itself, any other byte as U+DC80 + byte - 0x80). Slow and
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

        // Dot segments on the bytes: '.' and '/' are single bytes, whatever encodes a name.
        var segments = new List<byte[]>();
        foreach (byte[] segment in Split(bytes))
        {
            if (segment.Length == 0 || segment is [(byte)'.'])
            {
                continue;
            }

            if (segment is [(byte)'.', (byte)'.'])
            {
                if (segments.Count == 0)
                {
                    return (PathRejection.EscapesRoot, "", false);
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        return (PathRejection.None, string.Join('/', segments.Select(ToText)), bytes[^1] == '/');
    }

    private static IEnumerable<byte[]> Split(List<byte> bytes)
    {
        var current = new List<byte>();
        foreach (byte b in bytes)
        {
            if (b == '/')
            {
                yield return [.. current];
                current.Clear();
            }
            else
            {
                current.Add(b);
            }
        }

        yield return [.. current];
    }

    // Surrogateescape read literally: at each position, the shortest prefix (1 to 4 bytes) that the
    // BCL's strict decoder accepts is one scalar; if none is, the byte becomes U+DC80 + (byte - 0x80).
    private static string ToText(byte[] name)
    {
        var text = new StringBuilder();
        int i = 0;
        while (i < name.Length)
        {
            int length = Enumerable.Range(1, Math.Min(4, name.Length - i)).FirstOrDefault(n => IsStrictUtf8(name, i, n));
            if (length == 0)
            {
                text.Append((char)(0xDC00 + name[i]));
                i++;
            }
            else
            {
                text.Append(s_strictUtf8.GetString(name, i, length));
                i += length;
            }
        }

        return text.ToString();
    }

    private static bool IsStrictUtf8(byte[] bytes, int index, int count)
    {
        try
        {
            s_strictUtf8.GetString(bytes, index, count);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
