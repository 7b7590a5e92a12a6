namespace Sluice.Core.Http;

public static class RequestRejection
{
    public static int StatusCode(RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.None => 200,
        RequestRejectionReason.UnsupportedHttpVersion => 505,
        RequestRejectionReason.RequestLineTooLong => 414,
        RequestRejectionReason.HeadersTooLarge or RequestRejectionReason.TooManyHeaders => 431,
        RequestRejectionReason.BodyTooLarge => 413,
        RequestRejectionReason.HeaderTimeout => 408,
        RequestRejectionReason.UnsupportedTransferEncoding => 501,
        _ => 400,
    };

    public static string Message(RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.InvalidRequestLine => "malformed request line",
        RequestRejectionReason.InvalidRequestTarget => "malformed request target",
        RequestRejectionReason.UnsupportedHttpVersion => "HTTP version not supported",
        RequestRejectionReason.InvalidHeaderName => "invalid header field name",
        RequestRejectionReason.InvalidHeaderLine => "malformed header field",
        RequestRejectionReason.ObsoleteLineFolding => "obsolete line folding is not accepted",
        RequestRejectionReason.BareLineFeed => "lines must end with CRLF",
        RequestRejectionReason.RequestLineTooLong => "request line too long",
        RequestRejectionReason.HeadersTooLarge => "request header fields too large",
        RequestRejectionReason.TooManyHeaders => "too many request header fields",
        RequestRejectionReason.MissingHost => "HTTP/1.1 request without Host",
        RequestRejectionReason.MultipleHost => "more than one Host field",
        RequestRejectionReason.InvalidHost => "invalid Host field",
        RequestRejectionReason.ContentLengthWithTransferEncoding => "Content-Length together with Transfer-Encoding",
        RequestRejectionReason.ConflictingContentLength => "conflicting Content-Length values",
        RequestRejectionReason.InvalidContentLength => "invalid Content-Length",
        RequestRejectionReason.UnsupportedTransferEncoding => "request bodies with Transfer-Encoding are supported only as chunked uploads",
        RequestRejectionReason.BodyTooLarge => "request body too large",
        RequestRejectionReason.HeaderTimeout => "request header timeout",
        RequestRejectionReason.InvalidProxyHeader => "malformed PROXY protocol header",
        RequestRejectionReason.UntrustedProxyHeader => "PROXY protocol header from a peer outside --trusted-proxy",
        _ => "bad request",
    };
}
