namespace Sluice.Server.Tls;

public enum TlsHandshakeFailure : byte
{
    // The client sent no (complete) handshake within the header timeout.
    Timeout,
    // The handshake failed: not TLS (plain HTTP to the TLS port), no common protocol or cipher,
    // no common ALPN protocol, or an alert from a client that rejected the certificate.
    Protocol,
    // The client closed or reset the connection during the handshake.
    Closed,
}
