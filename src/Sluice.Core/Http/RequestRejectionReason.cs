namespace Sluice.Core.Http;

// Why a request head was refused. The connection maps each reason to a status in one place
// (RequestRejection.StatusCode) and decides whether the connection can survive it.
public enum RequestRejectionReason : byte
{
    None,
    InvalidRequestLine,
    InvalidRequestTarget,
    UnsupportedHttpVersion,
    InvalidHeaderName,
    InvalidHeaderLine,
    ObsoleteLineFolding,
    BareLineFeed,
    RequestLineTooLong,
    HeadersTooLarge,
    TooManyHeaders,
    MissingHost,
    MultipleHost,
    InvalidHost,
    ContentLengthWithTransferEncoding,
    ConflictingContentLength,
    InvalidContentLength,
    UnsupportedTransferEncoding,
    BodyTooLarge,
    HeaderTimeout,
    // PROXY protocol (Sluice.Core.Proxy): a malformed header, or one from a peer outside --trusted-proxy.
    InvalidProxyHeader,
    UntrustedProxyHeader,
}
