using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Sluice.Server.Configuration;
using Sluice.Server.Connections.Transport;
using Sluice.Server.Tls;

namespace Sluice.Server.Connections;

// TLS on the transport seam: an SslStream over the accepted socket's NetworkStream, carried by a
// StreamTransport (isTls: true), so the planner never picks sendfile and every body goes by the
// read paths in full 16 KiB records. The handshake runs under the first request's header deadline
// (from accept), enforced by the same heartbeat as every receive: a client that connects and
// sends nothing, or stops mid-handshake, holds its slot for the header timeout and no longer.
// A failed handshake is counted and closes the connection; it never reaches the request loop.
public sealed partial class Http1Connection
{
    private SslStream? _tlsStream;
    private ReplayStream? _tlsReplay;

    private StreamTransport CreateTlsTransport(Socket socket, ServerOptions options)
    {
        // Over a ReplayStream: bytes read before the handshake (ProxyBeforeTls.cs) are given back to it.
        _tlsReplay = new ReplayStream(new NetworkStream(socket, ownsSocket: false));
        _tlsStream = new SslStream(_tlsReplay, leaveInnerStreamOpen: false);
        return new StreamTransport(_tlsStream, socket, isTls: true, options.SendTimeout, _server.AbortToken, options.MinSendRate, options.MinSendRateGrace);
    }

    // True when the connection may go on to its first request.
    private async ValueTask<bool> HandshakeAsync()
    {
        if (_tlsStream is null)
        {
            return true;
        }

        long deadline = _acceptedAt + (long)_server.Options.HeaderTimeout.TotalMilliseconds;
        Volatile.Write(ref _deadline, (Math.Max(1, deadline) << 3) | (long)DeadlineReason.Header);
        TlsHandshakeFailure failure;
        string detail;
        try
        {
            await _tlsStream.AuthenticateAsServerAsync(_server.Tls!.CreateOptions(), _receiveCts.Token).ConfigureAwait(false);
            _server.TlsCounters.CountHandshake(_tlsStream.SslProtocol);
            return true;
        }
        catch (OperationCanceledException)
        {
            if ((DeadlineReason)Volatile.Read(ref _expired) != DeadlineReason.Header)
            {
                return false; // shutdown of a connection that had not sent a request yet
            }

            _server.Counters.CountTimeout(Metrics.TimeoutKind.Header);
            (failure, detail) = (TlsHandshakeFailure.Timeout, $"no handshake within the header timeout ({_server.Options.HeaderTimeout.TotalSeconds:0.###} s)");
        }
        catch (AuthenticationException ex)
        {
            (failure, detail) = (TlsHandshakeFailure.Protocol, ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            (failure, detail) = (TlsHandshakeFailure.Closed, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _deadline, 0);
        }

        if (_server.TlsCounters.CountFailure(failure))
        {
            _server.Log.Info($"{_remote}: tls handshake failed ({failure.ToString().ToLowerInvariant()}): {detail} (counted in sluice_tls_handshake_failures_total; logged at most every 10 s)");
        }

        return false;
    }

    // Sends close_notify before the half-close (RFC 8446 §6.1), so a client reading to the end
    // sees a clean TLS close rather than a truncation. Bounded: a client that reads nothing more
    // must not hold the connection here.
    private async ValueTask CloseTlsAsync()
    {
        if (_tlsStream is null)
        {
            return;
        }

        try
        {
            await _tlsStream.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1), _transport.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
        }
    }
}
