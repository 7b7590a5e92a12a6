using System.Net.Sockets;
using Sluice.Core.Http;
using Sluice.Core.Proxy;
using Sluice.Server.Tls;

namespace Sluice.Server.Connections;

// The PROXY header in front of TLS (--trusted-proxy with --tls-cert).
//
// Design note: HAProxy (send-proxy / send-proxy-v2) and nginx (stream, proxy_protocol on) write
// the header in clear as the connection's first bytes and only then relay the client's
// ClientHello; neither ever puts it inside TLS. So for a trusted peer the connection reads from
// the raw socket first, under the first request's header deadline (from accept), until the parser
// can tell: a v1/v2 header (its client replaces the peer), or none (a direct TLS client on the
// trusted network: a ClientHello starts with 0x16, which begins no signature, so one byte decides).
// Whatever one receive brought past the header is usually the start of the ClientHello; it goes
// back to SslStream through the ReplayStream, so the handshake sees the byte stream unchanged.
// An untrusted peer is never pre-read: its PROXY header is just bytes that fail the handshake.
// The slot the proxied client takes (and a 503 when its cap is reached) waits until after the
// handshake, so a refusal is an HTTP response inside TLS rather than plain text a client cannot read.
public sealed partial class Http1Connection
{
    // v2: 16 fixed bytes and a 16-bit length; v1 is shorter (107). The parser completes or refuses
    // within this, so the pre-read never grows past it.
    private const int MaxProxyHeaderBytes = 16 + ushort.MaxValue;

    private ProxyHeader _proxyBeforeTls;
    private bool _hasProxyBeforeTls;

    // True when the connection may go on to the handshake.
    private async ValueTask<bool> AcceptProxyHeaderBeforeTlsAsync()
    {
        if (_tlsReplay is null || _connectionAddress is null || !_server.Proxies.Contains(_connectionAddress))
        {
            return true;
        }

        long deadline = _acceptedAt + (long)_server.Options.HeaderTimeout.TotalMilliseconds;
        while (true)
        {
            ProxyHeader header = default;
            int consumed = 0;
            ProxyParseStatus status = _end > _start
                ? ProxyHeaderParser.TryParse(_buffer.AsSpan(_start, _end - _start), out header, out consumed)
                : ProxyParseStatus.Incomplete;
            if (status == ProxyParseStatus.Invalid || (status == ProxyParseStatus.Incomplete && _end - _start >= MaxProxyHeaderBytes))
            {
                // No reply: the proxy relays whatever we send to a client that expects a ServerHello.
                _server.Counters.CountRejection(RequestRejectionReason.InvalidProxyHeader);
                if (_server.Log.AccessEnabled)
                {
                    _server.Log.Info($"{_remote}: {RequestRejection.Message(RequestRejectionReason.InvalidProxyHeader)} before TLS (closed)");
                }

                return false;
            }

            if (status == ProxyParseStatus.Complete)
            {
                _start += consumed;
                _proxyBeforeTls = header;
                _hasProxyBeforeTls = true;
                if (header.Source is not null)
                {
                    // Named now so a failed handshake is logged with the client; the slot comes later.
                    NameClientForLog(header);
                }
            }

            if (status != ProxyParseStatus.Incomplete)
            {
                _tlsReplay.Replay(_buffer.AsSpan(_start, _end - _start));
                _start = _end = 0;
                return true;
            }

            if (_server.IsStopping)
            {
                return false;
            }

            int received = await ReceiveRawAsync(deadline).ConfigureAwait(false);
            if (received > 0)
            {
                continue;
            }

            if (received < 0 && (DeadlineReason)Volatile.Read(ref _expired) == DeadlineReason.Header)
            {
                _server.Counters.CountTimeout(Metrics.TimeoutKind.Header);
                ReportTlsFailure(TlsHandshakeFailure.Timeout, $"no PROXY header and ClientHello within the header timeout ({_server.Options.HeaderTimeout.TotalSeconds:0.###} s)");
            }
            else if (received == 0)
            {
                ReportTlsFailure(TlsHandshakeFailure.Closed, "closed before the PROXY header and ClientHello");
            }

            return false;
        }
    }

    // After the handshake: the proxied client takes its per-address slot (or gets its 503, in TLS).
    private ValueTask<bool> UseProxiedClientAfterTlsAsync() =>
        _hasProxyBeforeTls ? UseProxiedClientAsync(_proxyBeforeTls) : ValueTask.FromResult(true);

    private void NameClientForLog(ProxyHeader header) =>
        _remote = new System.Net.IPEndPoint(TrustedProxies.Normalize(header.Source!), header.SourcePort).ToString();

    // A receive from the socket itself (the transport is the SslStream, not yet usable), under the
    // same deadline and cancellation as ReceiveMoreAsync. Bytes received, 0 at close, -1 on timeout.
    private async ValueTask<int> ReceiveRawAsync(long deadline)
    {
        EnsureReceiveSpace();
        Volatile.Write(ref _deadline, (Math.Max(1, deadline) << 3) | (long)DeadlineReason.Header);
        try
        {
            int n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, _receiveCts.Token).ConfigureAwait(false);
            _end += n;
            return n;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        catch (SocketException)
        {
            return 0;
        }
        finally
        {
            Volatile.Write(ref _deadline, 0);
        }
    }

    private void ReportTlsFailure(TlsHandshakeFailure failure, string detail)
    {
        if (_server.TlsCounters.CountFailure(failure))
        {
            _server.Log.Info($"{_remote}: tls handshake failed ({failure.ToString().ToLowerInvariant()}): {detail} (counted in sluice_tls_handshake_failures_total; logged at most every 10 s)");
        }
    }
}
