using System.Text;

namespace Sluice.Core.Http;

// A pure HTTP/1.1 response-head parser (RFC 9112 §4–§5), for the clients (`sluice put`, `get`,
// bench) and the tests: one parser instead of an ad-hoc one per caller. TryParseFields reads a field
// section with no start line (the head of a multipart/byteranges part) by the same rules.
//
// Design: like HttpRequestParser it is resumable by being all-or-nothing: until the buffer holds the
// whole head (up to CRLF CRLF) it reports Incomplete and consumes nothing, so the caller appends the
// next receive and calls again; a complete head is validated and returned with consumed = its
// length, the body (or the next response) starting right after. A client allocates per response
// without concern, so the head is materialised as strings. Strict where leniency would let a server
// desynchronise the client: CRLF only (a bare LF is refused as the request parser refuses it), no
// obs-fold, no whitespace before the colon, Content-Length only digits and, when repeated, equal.
// Lenient where servers differ harmlessly: the reason phrase (and the SP before it) may be missing.
public static class HttpResponseHeadParser
{
    public const int DefaultMaxHeadBytes = 64 * 1024;

    public static ParseStatus TryParse(ReadOnlySpan<byte> buffer, out HttpResponseHead? head, out int consumed, int maxHeadBytes = DefaultMaxHeadBytes)
    {
        head = null;
        consumed = 0;
        int end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // Fail fast on a bare LF or an overlong head rather than waiting for more.
            return HasBareLineFeed(buffer) || buffer.Length >= maxHeadBytes ? ParseStatus.Invalid : ParseStatus.Incomplete;
        }

        if (end + 4 > maxHeadBytes)
        {
            return ParseStatus.Invalid;
        }

        ReadOnlySpan<byte> lines = buffer[..(end + 2)];
        int lineEnd = lines.IndexOf("\r\n"u8);
        var fields = new List<KeyValuePair<string, string>>();
        if (!TryParseStatusLine(lines[..lineEnd], out HttpVersion version, out int status, out string reason)
            || !TryParseFieldLines(lines[(lineEnd + 2)..], fields))
        {
            return ParseStatus.Invalid;
        }

        long? contentLength = null;
        foreach (KeyValuePair<string, string> field in fields)
        {
            if (!field.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // RFC 9110 §8.6: a list of identical values may be taken as one; anything else is an
            // unrecoverable framing error (RFC 9112 §6.3).
            foreach (string item in field.Value.Split(','))
            {
                long? length = HttpResponseHead.ParseNonNegative(item.Trim());
                if (length is null || (contentLength is not null && contentLength != length))
                {
                    return ParseStatus.Invalid;
                }

                contentLength = length;
            }
        }

        head = new HttpResponseHead(version, status, reason, fields, contentLength);
        consumed = end + 4;
        return ParseStatus.Complete;
    }

    // A field section without a start line: *( field-line CRLF ) CRLF (RFC 9112 §2.1), as a
    // multipart body part's header is (RFC 2046 §5.1.1). Same all-or-nothing contract and the same
    // strictness as TryParse; an empty section is the lone CRLF, and consumed then is 2.
    public static ParseStatus TryParseFields(ReadOnlySpan<byte> buffer, out IReadOnlyList<KeyValuePair<string, string>>? fields, out int consumed, int maxBytes = DefaultMaxHeadBytes)
    {
        fields = null;
        consumed = 0;

        // The field lines (each with its CRLF) end where the empty line starts.
        int linesEnd = 0;
        if (!buffer.StartsWith("\r\n"u8))
        {
            int blank = buffer.IndexOf("\r\n\r\n"u8);
            if (blank < 0)
            {
                return HasBareLineFeed(buffer) || buffer.Length >= maxBytes ? ParseStatus.Invalid : ParseStatus.Incomplete;
            }

            linesEnd = blank + 2;
        }

        if (linesEnd + 2 > maxBytes)
        {
            return ParseStatus.Invalid;
        }

        var parsed = new List<KeyValuePair<string, string>>();
        if (!TryParseFieldLines(buffer[..linesEnd], parsed))
        {
            return ParseStatus.Invalid;
        }

        fields = parsed;
        consumed = linesEnd + 2;
        return ParseStatus.Complete;
    }

    // Field lines, each ending in CRLF, up to (not including) the empty line that ends the section.
    private static bool TryParseFieldLines(ReadOnlySpan<byte> lines, List<KeyValuePair<string, string>> fields)
    {
        while (!lines.IsEmpty)
        {
            int lineEnd = lines.IndexOf("\r\n"u8);
            if (!TryParseField(lines[..lineEnd], out string name, out string value))
            {
                return false;
            }

            fields.Add(new(name, value));
            lines = lines[(lineEnd + 2)..];
        }

        return true;
    }

    private static bool TryParseStatusLine(ReadOnlySpan<byte> line, out HttpVersion version, out int status, out string reason)
    {
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        version = HttpVersion.Unknown;
        status = 0;
        reason = "";
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != ' ')
        {
            return false;
        }

        version = line[7] == '0' ? HttpVersion.Http10 : HttpVersion.Http11;
        ReadOnlySpan<byte> code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]) || code[0] == '0')
        {
            return false;
        }

        status = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        ReadOnlySpan<byte> after = line[12..];
        if (after.IsEmpty)
        {
            return true;
        }

        if (after[0] != ' ' || !AllFieldValueBytes(after[1..]))
        {
            return false;
        }

        reason = Encoding.Latin1.GetString(after[1..]);
        return true;
    }

    private static bool TryParseField(ReadOnlySpan<byte> line, out string name, out string value)
    {
        // field-line = field-name ":" OWS field-value OWS; obs-fold (a line starting with
        // whitespace) and whitespace before the colon are refused (RFC 9112 §5.1, §5.2).
        name = "";
        value = "";
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].IndexOfAnyExcept(HttpSyntax.Tchar) >= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> raw = line[(colon + 1)..];
        if (!AllFieldValueBytes(raw))
        {
            return false;
        }

        name = Encoding.ASCII.GetString(line[..colon]);
        value = Encoding.Latin1.GetString(raw.Trim(" \t"u8));
        return true;
    }

    private static bool AllFieldValueBytes(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (!HttpSyntax.IsFieldValueByte(b))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasBareLineFeed(ReadOnlySpan<byte> data)
    {
        for (int i = data.IndexOf((byte)'\n'); i >= 0; i = data.IndexOf((byte)'\n'))
        {
            if (i == 0 || data[i - 1] != '\r')
            {
                return true;
            }

            data = data[(i + 1)..];
        }

        return false;
    }
}
