using System.Text;

namespace Sluice.Core.Http;

// The semantic view of one request head, reused across the requests of a connection (Reset).
// It interprets only the fields a read-only file server acts on; the framing checks that stop
// request smuggling (RFC 9112 §6.3) live in Validate so the parser itself stays policy-free.
public sealed partial class HttpRequestHead
{
    private RequestRejectionReason _fieldRejection;
    private int _hostCount;
    private bool _connectionClose;
    private bool _connectionKeepAlive;
    // The file handler works on the target's bytes; its string and Host's are made only when
    // something asks (the access log), so a quiet server's cache hit allocates no string.
    private RetainedField _target;
    private RetainedField _host;
    private RetainedField _authorization;
    private int _authorizationCount;
    private RetainedField _acceptEncoding;

    // For the access log only, kept as bytes like the target; cut to MaxLoggedFieldBytes so a
    // client cannot make each log line as large as the whole head.
    private RetainedField _userAgent;
    private RetainedField _referer;

    public HttpRequestHead(int maxFieldCount = 100)
    {
        MaxFieldCount = maxFieldCount;
    }

    public int MaxFieldCount { get; }

    public HttpMethod Method { get; private set; }

    public string MethodToken { get; private set; } = "";

    public HttpVersion Version { get; private set; }

    // The request-target exactly as received (ASCII: the parser admits only visible ASCII).
    public ReadOnlySpan<byte> TargetBytes => _target.Bytes;

    public string Target => _target.GetString() ?? "";

    public string? Host => _host.GetString();

    public const int MaxLoggedFieldBytes = 512;

    public string? UserAgent => _userAgent.GetString();

    public string? Referer => _referer.GetString();

    public long? ContentLength { get; private set; }

    public bool HasTransferEncoding { get; private set; }

    // Transfer-Encoding is exactly "chunked": one field, one coding (RFC 9112 §6.1: chunked must be
    // the final coding; a server that decodes no other coding can take only chunked alone).
    public bool IsChunked { get; private set; }

    public string? Range { get; private set; }

    public string? IfMatch { get; private set; }

    public string? IfNoneMatch { get; private set; }

    public string? IfModifiedSince { get; private set; }

    public string? IfUnmodifiedSince { get; private set; }

    public string? IfRange { get; private set; }

    // Believed only from a --trusted-proxy peer (ForwardedFor); several fields are joined with ", ".
    public string? XForwardedFor { get; private set; }

    public int FieldCount { get; private set; }

    // Expect: 100-continue (RFC 9110 §10.1.1): the client waits for an interim 100 before the body.
    public bool ExpectContinue { get; private set; }

    // The Authorization field's value as received (empty when absent); kept as bytes so a server
    // without access control never makes a string of it.
    public ReadOnlySpan<byte> AuthorizationBytes => _authorization.Bytes;

    public bool HasAuthorization => _authorization.HasValue;

    // Authorization is not a list (RFC 9110 §11.6.2): more than one is ambiguous and must not be
    // resolved by picking one.
    public bool AuthorizationRepeated => _authorizationCount > 1;

    // Accept-Encoding's bytes (repeated fields joined by commas), parsed only by a server that has
    // precompressed variants to offer; absent and empty differ (RFC 9110 §12.5.3).
    public bool HasAcceptEncoding => _acceptEncoding.HasValue;

    public ReadOnlySpan<byte> AcceptEncodingBytes => _acceptEncoding.Bytes;

    // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
    public bool KeepAlive => Version == HttpVersion.Http11 ? !_connectionClose : _connectionKeepAlive && !_connectionClose;

    public void Reset()
    {
        _fieldRejection = RequestRejectionReason.None;
        _hostCount = 0;
        _connectionClose = false;
        _connectionKeepAlive = false;
        Method = HttpMethod.Unknown;
        MethodToken = "";
        Version = HttpVersion.Unknown;
        _target.Clear();
        _host.Clear();
        _authorization.Clear();
        _authorizationCount = 0;
        _acceptEncoding.Clear();
        _userAgent.Clear();
        _referer.Clear();
        ContentLength = null;
        HasTransferEncoding = false;
        IsChunked = false;
        Range = IfMatch = IfNoneMatch = IfModifiedSince = IfUnmodifiedSince = IfRange = null;
        XForwardedFor = null;
        FieldCount = 0;
        ExpectContinue = false;
        ResetUploadFields();
        ResetDigestFields();
        _accept.Clear();
    }

    public RequestRejectionReason Validate() => Validate(acceptsChunked: false);

    // acceptsChunked: a handler takes this request's body (an upload), so a chunked body is read
    // and decoded; for any other request a body with Transfer-Encoding stays 501.
    public RequestRejectionReason Validate(bool acceptsChunked)
    {
        if (_fieldRejection != RequestRejectionReason.None)
        {
            return _fieldRejection;
        }

        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host or with several.
        if (_hostCount > 1)
        {
            return RequestRejectionReason.MultipleHost;
        }

        if (_hostCount == 0 && Version == HttpVersion.Http11)
        {
            return RequestRejectionReason.MissingHost;
        }

        // RFC 9112 §6.1/§6.3: both framings at once is a smuggling vector; reject and close.
        if (HasTransferEncoding && ContentLength is not null)
        {
            return RequestRejectionReason.ContentLengthWithTransferEncoding;
        }

        // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request is faulty framing; never decoded.
        if (HasTransferEncoding && !(acceptsChunked && IsChunked && Version == HttpVersion.Http11))
        {
            return RequestRejectionReason.UnsupportedTransferEncoding;
        }

        return RequestRejectionReason.None;
    }

    internal void OnStartLine(HttpMethod method, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> target, HttpVersion version)
    {
        Method = method;
        MethodToken = method switch
        {
            HttpMethod.Get => "GET",
            HttpMethod.Head => "HEAD",
            _ => Encoding.ASCII.GetString(methodToken),
        };
        _target.Set(target);
        Version = version;
    }

    internal void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (++FieldCount > MaxFieldCount)
        {
            Reject(RequestRejectionReason.TooManyHeaders);
            return;
        }

        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "host"u8):
                // RFC 9112 §3.2: 400 for more than one Host (counted) or an invalid one.
                _hostCount++;
                if (!HostSyntax.IsValid(value))
                {
                    Reject(RequestRejectionReason.InvalidHost);
                }

                _host.Set(value);
                break;
            case 5 when Ascii.EqualsIgnoreCase(name, "range"u8):
                Range = Latin1(value);
                break;
            case 8 when Ascii.EqualsIgnoreCase(name, "if-match"u8):
                IfMatch = Append(IfMatch, value);
                break;
            case 8 when Ascii.EqualsIgnoreCase(name, "if-range"u8):
                IfRange = Latin1(value);
                break;
            case 10 when Ascii.EqualsIgnoreCase(name, "connection"u8):
                ParseConnection(value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "authorization"u8):
                _authorizationCount++;
                _authorization.Set(value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "if-none-match"u8):
                IfNoneMatch = Append(IfNoneMatch, value);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "content-length"u8):
                OnContentLength(value);
                break;
            case 17 when Ascii.EqualsIgnoreCase(name, "if-modified-since"u8):
                IfModifiedSince = Latin1(value);
                break;
            case 17 when Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8):
                // A second field line combines with the first (RFC 9110 §5.3), so it is a list.
                IsChunked = !HasTransferEncoding && Ascii.EqualsIgnoreCase(value.Trim(" \t"u8), "chunked"u8);
                HasTransferEncoding = true;
                break;
            case 19 when Ascii.EqualsIgnoreCase(name, "if-unmodified-since"u8):
                IfUnmodifiedSince = Latin1(value);
                break;
            case 15 when Ascii.EqualsIgnoreCase(name, "accept-encoding"u8):
                // RFC 9110 §5.3: repeated list-based fields combine with commas.
                _acceptEncoding.Set(_acceptEncoding.HasValue ? [.. _acceptEncoding.Bytes, (byte)',', .. value] : value);
                break;
            case 10 when Ascii.EqualsIgnoreCase(name, "user-agent"u8):
                _userAgent.Set(value[..Math.Min(value.Length, MaxLoggedFieldBytes)]);
                break;
            case 7 when Ascii.EqualsIgnoreCase(name, "referer"u8):
                _referer.Set(value[..Math.Min(value.Length, MaxLoggedFieldBytes)]);
                break;
            case 6 when Ascii.EqualsIgnoreCase(name, "expect"u8):
                ExpectContinue |= Ascii.EqualsIgnoreCase(value.Trim(" \t"u8), "100-continue"u8);
                break;
            case 6 when Ascii.EqualsIgnoreCase(name, "accept"u8):
                OnAccept(value);
                break;
            case 15 when Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8):
                XForwardedFor = Append(XForwardedFor, value);
                break;
            case 16 when Ascii.EqualsIgnoreCase(name, "want-repr-digest"u8):
                OnWantReprDigest(value);
                break;
            default:
                OnUploadField(name, value);
                break;
        }
    }

    private void OnContentLength(ReadOnlySpan<byte> value)
    {
        // RFC 9110 §8.6: 1*DIGIT. A list ("5, 5") or any other form is refused rather than guessed at.
        if (value.IsEmpty || value.Length > 18 || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            Reject(RequestRejectionReason.InvalidContentLength);
            return;
        }

        long parsed = 0;
        foreach (byte b in value)
        {
            parsed = (parsed * 10) + (b - '0');
        }

        if (ContentLength is long previous && previous != parsed)
        {
            Reject(RequestRejectionReason.ConflictingContentLength);
            return;
        }

        ContentLength = parsed;
    }

    private void ParseConnection(ReadOnlySpan<byte> value)
    {
        foreach (Range part in value.Split((byte)','))
        {
            ReadOnlySpan<byte> token = value[part].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(token, "close"u8))
            {
                _connectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
            {
                _connectionKeepAlive = true;
            }
        }
    }

    private void Reject(RequestRejectionReason reason)
    {
        if (_fieldRejection == RequestRejectionReason.None)
        {
            _fieldRejection = reason;
        }
    }

    private static string Latin1(ReadOnlySpan<byte> value) => Encoding.Latin1.GetString(value);

    // RFC 9110 §5.3: repeated list-based fields combine with commas.
    private static string Append(string? existing, ReadOnlySpan<byte> value) =>
        existing is null ? Latin1(value) : existing + ", " + Latin1(value);
}
