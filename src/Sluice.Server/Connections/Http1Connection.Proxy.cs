using System.Net;
using System.Net.Sockets;
using Sluice.Core.Http;
using Sluice.Core.Proxy;
using Sluice.Server.Files;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections;

// The real client behind a trusted proxy (--trusted-proxy).
//
// Design note: the connection has three addresses. The peer is who connected. A PROXY protocol
// header (v2 binary as HAProxy sends it, or v1 text), accepted only from a trusted peer and only as
// the connection's first bytes, replaces the peer for the whole connection: that address is what
// the per-address connection cap counts (the accept loop takes no slot for a trusted peer, so this
// connection takes one for the client it names). X-Forwarded-For is per request — a proxy may reuse
// one connection for many clients — so it sets ClientAddress and the logged address for that
// request only and is not counted by the per-address cap. From an untrusted peer both are ignored,
// and a PROXY header is refused with 400: the peer is trying to choose its own address.
public sealed partial class Http1Connection
{
    private IPAddress? _connectionAddress;
    private string _connectionRemote = "-";
    private IPAddress? _proxiedSlot;

    // The client of the current request: the peer, the address a trusted proxy's PROXY header
    // named, or the rightmost untrusted X-Forwarded-For hop. What the log, the per-address cap and
    // rate limits key on. Null only when the socket had no IP peer.
    public IPAddress? ClientAddress { get; private set; }

    private string InitClientAddress(Socket socket)
    {
        if (socket.RemoteEndPoint is IPEndPoint peer)
        {
            var normalized = new IPEndPoint(TrustedProxies.Normalize(peer.Address), peer.Port);
            _connectionAddress = ClientAddress = normalized.Address;
            _connectionRemote = normalized.ToString();
        }

        return _connectionRemote;
    }

    // Reads and applies a PROXY header if the connection starts with one. False when the
    // connection must close (refused, timed out, or the client went away).
    private async ValueTask<bool> AcceptProxyHeaderAsync()
    {
        bool trusted = _connectionAddress is not null && _server.Proxies.Contains(_connectionAddress);
        long deadline = _acceptedAt + (long)_server.Options.HeaderTimeout.TotalMilliseconds;
        while (true)
        {
            ProxyHeader header = default;
            int consumed = 0;
            ProxyParseStatus status = _end > _start
                ? ProxyHeaderParser.TryParse(_buffer.AsSpan(_start, _end - _start), out header, out consumed)
                : ProxyParseStatus.Incomplete;
            if (status == ProxyParseStatus.NotPresent)
            {
                return true;
            }

            if (status == ProxyParseStatus.Invalid || (status == ProxyParseStatus.Complete && !trusted))
            {
                await RejectAsync(trusted || status == ProxyParseStatus.Invalid ? RequestRejectionReason.InvalidProxyHeader : RequestRejectionReason.UntrustedProxyHeader).ConfigureAwait(false);
                return false;
            }

            if (status == ProxyParseStatus.Complete)
            {
                _start += consumed;
                return await UseProxiedClientAsync(header).ConfigureAwait(false);
            }

            // The first receive of every connection happens here (the request parser then finds
            // the bytes buffered), with the first request's header deadline and shutdown handling.
            if (_server.IsStopping)
            {
                return false;
            }

            int received = await ReceiveMoreAsync(DeadlineReason.Header, deadline).ConfigureAwait(false);
            if (received == 0)
            {
                return false;
            }

            if (received < 0)
            {
                if ((DeadlineReason)Volatile.Read(ref _expired) == DeadlineReason.Header)
                {
                    _server.Counters.CountTimeout(Metrics.TimeoutKind.Header);
                    if (_end > _start)
                    {
                        await RejectAsync(RequestRejectionReason.HeaderTimeout).ConfigureAwait(false);
                    }
                }

                return false;
            }
        }
    }

    private async ValueTask<bool> UseProxiedClientAsync(ProxyHeader header)
    {
        if (header.Source is null)
        {
            return true; // LOCAL / UNKNOWN: the proxy speaks for itself (a health check)
        }

        IPAddress client = TrustedProxies.Normalize(header.Source);
        _connectionAddress = ClientAddress = client;
        _connectionRemote = _remote = new IPEndPoint(client, header.SourcePort).ToString();
        if (_server.TryAcquireAddressSlot(client))
        {
            _proxiedSlot = client;
            return true;
        }

        _server.Counters.CountBusy(Metrics.BusyKind.Address);
        if (_server.Log.AccessEnabled)
        {
            _server.Log.Info($"{_remote}: 503 per-address connection limit ({_server.Options.MaxConnectionsPerAddress}) reached");
        }

        _plan.Reset();
        _plan.SetInline(503, ErrorBodies.For(503), ErrorBodies.ContentType);
        _plan.RetryAfterSeconds = 1;
        if (await SendResponseAsync(keepAlive: false).ConfigureAwait(false) == TransferOutcome.Completed)
        {
            await LingerCloseAsync().ConfigureAwait(false);
        }

        return false;
    }

    // Per request: X-Forwarded-For counts only when the connection's client is a trusted proxy.
    private void ResolveForwardedFor()
    {
        if (_head.XForwardedFor is string forwarded && _connectionAddress is not null && _server.Proxies.Contains(_connectionAddress))
        {
            IPAddress client = ForwardedFor.Resolve(_connectionAddress, forwarded, _server.Proxies);
            ClientAddress = client;
            _remote = client.ToString();
            return;
        }

        ClientAddress = _connectionAddress;
        _remote = _connectionRemote;
    }

    private void ReleaseProxiedSlot()
    {
        if (_proxiedSlot is not null)
        {
            _server.ReleaseAddressSlot(_proxiedSlot);
            _proxiedSlot = null;
        }
    }
}
