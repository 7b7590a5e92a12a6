using System.Buffers;
using System.Diagnostics;

namespace Sluice.Core.Http;

// A pure HTTP/1.1 request-head parser (RFC 9112 §2–§5).
//
// Design: the parser is a function over a contiguous span. It first looks for the end of the head
// (CRLF CRLF); until that exists it reports Incomplete, consumes nothing and calls nothing, so the
// caller can simply call again with more bytes. Only a complete head is validated and reported to
// the handler, line by line, through spans into the caller's buffer (no allocation). Limits (line
// length, head size, field count) are policy and are enforced by the connection around it.
// The grammar is strict where leniency enables request smuggling: CRLF only (no bare LF or CR),
// no whitespace between field name and colon, no obsolete line folding, single SP separators.
public static class HttpRequestParser
{
    private static readonly SearchValues<byte> s_tchar =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Visible ASCII (0x21–0x7E): the only bytes allowed in a request-target (RFC 3986 + RFC 9112 §3.2).
    private static readonly SearchValues<byte> s_targetChars = SearchValues.Create(CreateRange(0x21, 0x7E));

    // field-value: VCHAR / obs-text / SP / HTAB (RFC 9110 §5.5). Everything else is a CTL.
    private static readonly SearchValues<byte> s_invalidValueBytes = SearchValues.Create(
        [.. CreateRange(0x00, 0x08), .. CreateRange(0x0A, 0x1F), 0x7F]);

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private static ReadOnlySpan<byte> CrlfCrlf => "\r\n\r\n"u8;

    public static ParseStatus TryParse<THandler>(
        ReadOnlySpan<byte> buffer, ref THandler handler, out int consumed, out RequestRejectionReason reason)
        where THandler : struct, IHttpRequestHandler
    {
        consumed = 0;
        reason = RequestRejectionReason.None;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request-line.
        int start = 0;
        while (buffer.Length - start >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n')
        {
            start += 2;
        }

        ReadOnlySpan<byte> rest = buffer[start..];
        int end = rest.IndexOf(CrlfCrlf);
        if (end < 0)
        {
            // Fail fast on a bare LF rather than waiting for a terminator that will never come.
            if (ContainsBareLineFeed(rest))
            {
                reason = RequestRejectionReason.BareLineFeed;
                return ParseStatus.Invalid;
            }

            return ParseStatus.Incomplete;
        }

        ReadOnlySpan<byte> head = rest[..(end + 2)]; // every line, each with its CRLF
        int lineEnd = head.IndexOf(Crlf);
        if (!TryParseRequestLine(head[..lineEnd], ref handler, out reason))
        {
            return ParseStatus.Invalid;
        }

        head = head[(lineEnd + 2)..];
        while (!head.IsEmpty)
        {
            lineEnd = head.IndexOf(Crlf);
            Debug.Assert(lineEnd > 0, "the head ends at the first empty line");
            if (!TryParseHeaderLine(head[..lineEnd], ref handler, out reason))
            {
                return ParseStatus.Invalid;
            }

            head = head[(lineEnd + 2)..];
        }

        consumed = start + end + 4;
        return ParseStatus.Complete;
    }

    private static bool TryParseRequestLine<THandler>(ReadOnlySpan<byte> line, ref THandler handler, out RequestRejectionReason reason)
        where THandler : struct, IHttpRequestHandler
    {
        reason = RequestRejectionReason.InvalidRequestLine;

        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> methodToken = line[..sp1];
        if (methodToken.IndexOfAnyExcept(s_tchar) >= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> afterMethod = line[(sp1 + 1)..];
        int sp2 = afterMethod.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> target = afterMethod[..sp2];
        if (target.IndexOfAnyExcept(s_targetChars) >= 0)
        {
            reason = RequestRejectionReason.InvalidRequestTarget;
            return false;
        }

        ReadOnlySpan<byte> versionToken = afterMethod[(sp2 + 1)..];
        HttpVersion version = ParseVersion(versionToken, out bool wellFormed);
        if (!wellFormed)
        {
            return false;
        }

        if (version == HttpVersion.Unknown)
        {
            reason = RequestRejectionReason.UnsupportedHttpVersion;
            return false;
        }

        reason = RequestRejectionReason.None;
        handler.OnStartLine(ParseMethod(methodToken), methodToken, target, version);
        return true;
    }

    private static bool TryParseHeaderLine<THandler>(ReadOnlySpan<byte> line, ref THandler handler, out RequestRejectionReason reason)
        where THandler : struct, IHttpRequestHandler
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            // RFC 9112 §5.2: obs-fold outside message/http → reject.
            reason = RequestRejectionReason.ObsoleteLineFolding;
            return false;
        }

        int colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            reason = RequestRejectionReason.InvalidHeaderLine;
            return false;
        }

        ReadOnlySpan<byte> name = line[..colon];
        // RFC 9112 §5.1: no whitespace is allowed between the field name and colon (400).
        if (name.IsEmpty || name.IndexOfAnyExcept(s_tchar) >= 0)
        {
            reason = RequestRejectionReason.InvalidHeaderName;
            return false;
        }

        ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
        if (value.IndexOfAny(s_invalidValueBytes) >= 0)
        {
            reason = RequestRejectionReason.InvalidHeaderLine;
            return false;
        }

        reason = RequestRejectionReason.None;
        handler.OnHeader(name, value);
        return true;
    }

    private static HttpVersion ParseVersion(ReadOnlySpan<byte> token, out bool wellFormed)
    {
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive, RFC 9112 §2.3).
        wellFormed = token.Length == 8 && token.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)token[5])
            && token[6] == '.' && char.IsAsciiDigit((char)token[7]);
        if (!wellFormed || token[5] != '1')
        {
            return HttpVersion.Unknown;
        }

        // RFC 9112 §2.3 / RFC 9110 §2.5: a 1.x request with a higher minor version is answered as
        // 1.1 (the highest minor version this server conforms to), not refused.
        return token[7] == '0' ? HttpVersion.Http10 : HttpVersion.Http11;
    }

    internal static HttpMethod ParseMethod(ReadOnlySpan<byte> token) => token.Length switch
    {
        3 when token.SequenceEqual("GET"u8) => HttpMethod.Get,
        3 when token.SequenceEqual("PUT"u8) => HttpMethod.Put,
        4 when token.SequenceEqual("HEAD"u8) => HttpMethod.Head,
        4 when token.SequenceEqual("POST"u8) => HttpMethod.Post,
        5 when token.SequenceEqual("PATCH"u8) => HttpMethod.Patch,
        5 when token.SequenceEqual("TRACE"u8) => HttpMethod.Trace,
        6 when token.SequenceEqual("DELETE"u8) => HttpMethod.Delete,
        7 when token.SequenceEqual("OPTIONS"u8) => HttpMethod.Options,
        7 when token.SequenceEqual("CONNECT"u8) => HttpMethod.Connect,
        _ => HttpMethod.Unknown,
    };

    private static bool ContainsBareLineFeed(ReadOnlySpan<byte> data)
    {
        int offset = 0;
        while (true)
        {
            int lf = data[offset..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return false;
            }

            int at = offset + lf;
            if (at == 0 || data[at - 1] != '\r')
            {
                return true;
            }

            offset = at + 1;
        }
    }

    private static byte[] CreateRange(int first, int last)
    {
        var bytes = new byte[last - first + 1];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(first + i);
        }

        return bytes;
    }
}
