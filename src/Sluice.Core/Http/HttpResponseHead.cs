using System.Globalization;

namespace Sluice.Core.Http;

// A parsed HTTP/1.1 response head (RFC 9112 §4, §5) as a client sees it: the status line and every
// field in order, with the values Latin-1 decoded and trimmed of OWS, plus the fields that decide the
// body's framing and those `sluice put`/`get` act on. Built only by HttpResponseHeadParser, which has
// already refused a head whose framing is ambiguous (conflicting Content-Length values).
public sealed class HttpResponseHead
{
    private readonly List<KeyValuePair<string, string>> _fields;

    internal HttpResponseHead(HttpVersion version, int statusCode, string reasonPhrase, List<KeyValuePair<string, string>> fields, long? contentLength)
    {
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        _fields = fields;
        ContentLength = contentLength;

        // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; the body is chunked only when
        // chunked is the final coding.
        string? transferEncoding = Get("Transfer-Encoding");
        HasTransferEncoding = transferEncoding is not null;
        IsChunked = transferEncoding is not null
            && transferEncoding.Split(',').Last().Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase);
    }

    public HttpVersion Version { get; }

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    // 1xx: an interim response (100 Continue); the final one follows on the same connection.
    public bool IsInformational => StatusCode is >= 100 and < 200;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public long? ContentLength { get; }

    public bool HasTransferEncoding { get; }

    public bool IsChunked { get; }

    public string? ContentRange => Get("Content-Range");

    public string? ETag => Get("ETag");

    public string? Location => Get("Location");

    public string? UploadOffsetText => Get("Upload-Offset");

    public long? UploadOffset => ParseNonNegative(Get("Upload-Offset"));

    public long? UploadLength => ParseNonNegative(Get("Upload-Length"));

    // HTTP/1.0 closes by default; HTTP/1.1 keeps the connection unless told "close" (RFC 9112 §9.3).
    public bool KeepAlive
    {
        get
        {
            string? connection = Get("Connection");
            bool hasToken(string token) => connection is not null
                && connection.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));
            return Version == HttpVersion.Http11 ? !hasToken("close") : hasToken("keep-alive");
        }
    }

    // The first field of that name (case-insensitive), or null.
    public string? Get(string name)
    {
        foreach (KeyValuePair<string, string> field in _fields)
        {
            if (field.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }

        return null;
    }

    public IEnumerable<string> GetAll(string name) =>
        _fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    // RFC 9112 §6.3: the length of the body that follows this head, for a request of that method:
    // 0 for HEAD, 1xx, 204 and 304; null when it is chunked or runs until the connection closes.
    public long? BodyLength(bool requestWasHead)
    {
        if (requestWasHead || IsInformational || StatusCode is 204 or 304)
        {
            return 0;
        }

        return HasTransferEncoding ? null : ContentLength;
    }

    public override string ToString() => $"{StatusCode} {ReasonPhrase}".TrimEnd();

    // A field value that is 1*DIGIT within a long (Upload-Offset, Tus-Max-Size …), else null.
    public static long? ParseNonNegative(string? text) =>
        text is not null && text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : null;
}
