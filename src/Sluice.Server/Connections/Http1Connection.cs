using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Sluice.Core.Http;
using Sluice.Server.Connections.Transport;
using Sluice.Server.Files;
using Sluice.Server.Hosting;
using Sluice.Server.Logging;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections;

// One HTTP/1.1 connection: read a head, describe the response, move it, repeat.
//
// Design note: requests are handled strictly one after another, so pipelined responses leave in
// order without any queue. Bytes after a complete head stay in the buffer and are parsed next,
// except a declared body, which is read and discarded (never parsed as the next request). The
// limits that the pure parser does not know — request-line length, head size, field count,
// header and keep-alive timeouts — are enforced here. Every path out of RunAsync closes the
// socket and frees the file descriptor; errors are mapped to a status in RejectAsync and
// nowhere else.
//
// Threading: this runs wherever the socket's completion lands — inline on a runtime epoll thread
// (production sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1), on the thread pool after a
// disk-engine completion, or on a WritableWaiter shard after EAGAIN. None of those may wait on the
// disk: describe opens inline only what the dentry cache serves (RESOLVE_CACHED), the planner only
// looks at the page cache, and the mechanisms read inline only page-cache hits; everything else
// is awaited from the disk engine (see README "Threads"). RunAsync marks its flow for the Debug
// guard (BlockingGuard), so a blocking file call anywhere below throws in the test suite.
//
// Timeouts: one receive deadline (ticks and a DeadlineReason packed in one long) that the
// server's heartbeat reads with Volatile.Read; the write side has its own in the transport. No
// timer and no token source per read: _receiveCts is cancelled at most once — a header or
// keep-alive timeout, or shutdown of an idle connection — after which this connection reads no
// further request. A lingering close is bounded by aborting the socket instead.
//
// Fairness: after a response the next receive is tried at once, and it succeeds whenever the
// client has already sent its next request — a pipelining client, or one in lockstep with its
// event thread on another core. Left alone, one connection is then served request after request
// while every other connection of its epoll thread waits: under wrk -c64 on 4 KiB files, half of
// all responses went out in runs of 9 to 514 on the same connection (perf trace of sendto by
// thread), and p99 was 2.3–3.8× nginx's, which never serves a connection twice in a row (it posts
// a ready keep-alive read behind the others). .NET's socket engine offers no such queue, so a
// connection that has served Options.RequestsPerTurn requests since its socket last woke it
// yields the thread (Task.Yield: it continues on the thread pool, and its next wait goes back to
// epoll). Measured (bench/results/compare-2026-12-01-fair and -turn): one request per turn took
// the 4 KiB p99 from 2.85× nginx's to 1.04×, at 4–9 µs more CPU per request (the thread-pool hop);
// a budget of 200 µs per turn cost almost nothing but left the tail (p99 12–94 ms). The cheap
// and fair fix is nginx's own: a posted-events queue per event thread, which needs an event loop
// of our own rather than the runtime's.
public sealed partial class Http1Connection
{
    private const int InitialBufferBytes = 4096;

    private readonly SluiceServer _server;
    private readonly Socket _socket;
    private readonly int _fd;
    // The client as the access log shows it: the peer, or who a trusted proxy says it is (Proxy.cs).
    private string _remote;
    private readonly HttpRequestHead _head;
    private readonly ResponsePlan _plan = new();
    private readonly TransferTally _tally = new();
    private readonly ConnectionTransport _transport;
    private readonly CancellationTokenSource _receiveCts = new();
    private readonly long _acceptedAt = Environment.TickCount64;
    // (deadline in ticks << 3) | DeadlineReason; 0 when no receive is waiting.
    private long _deadline;
    private int _expired;
    private byte[] _buffer;
    private byte[] _headBuffer;
    private int _start;
    private int _end;
    // Requests served since this connection's socket last woke it (the fairness bound).
    private int _servedInTurn;
    // The last response head's length, so the access log can tell body bytes from head bytes.
    private int _responseHeadBytes;
    private volatile ConnectionState _state;

    public Http1Connection(SluiceServer server, Socket socket)
    {
        _server = server;
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _remote = InitClientAddress(socket);
        _head = new HttpRequestHead(server.Options.MaxHeaderCount);
        var options = server.Options;
        // WrapInStream (tests only) puts the connection on a stream over the same socket, so the
        // whole request path runs over the transport that TLS will use.
        _transport = server.Tls is not null
            ? CreateTlsTransport(socket, options)
            : options.WrapInStream
            ? new StreamTransport(new NetworkStream(socket, ownsSocket: false), socket, isTls: false, options.SendTimeout, server.AbortToken, options.MinSendRate, options.MinSendRateGrace)
            : new SocketTransport(socket, _fd, server.Waiter, options.SendTimeout, server.AbortToken, options.MinSendRate, options.MinSendRateGrace);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        _headBuffer = ArrayPool<byte>.Shared.Rent(4096);
    }

    public ConnectionState State => _state;

    // Called by the server on shutdown: a connection waiting for its next request closes now.
    public void CancelIdleWait() => CancelReceive();

    private void CancelReceive()
    {
        if (_receiveCts.IsCancellationRequested)
        {
            return;
        }

        // On the thread pool: the receive's continuation must not run on the heartbeat's thread.
        ThreadPool.UnsafeQueueUserWorkItem(
            static cts =>
            {
                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            },
            _receiveCts,
            preferLocal: false);
    }

    // Shutdown, not Dispose: the descriptor number stays ours until RunAsync's finally closes it,
    // so a write still in progress on another thread can never hit a reused descriptor.
    public void Abort()
    {
        Slot?.Release();
        _transport.Abort();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync()
    {
        // Everything this connection runs from here on, on any thread, serves a socket: in Debug
        // builds a blocking file call in this flow, off a disk-engine thread, throws.
        Interop.Pal.BlockingGuard.EnterSocketFlow();
        try
        {
            Interop.Pal.SocketPal.SetNonBlocking(_fd);
            // A PROXY header comes first, in clear, as HAProxy and nginx send it: before the TLS
            // handshake from a trusted peer (ProxyBeforeTls.cs), else where the request would start.
            if (_tlsStream is not null
                ? await AcceptProxyHeaderBeforeTlsAsync().ConfigureAwait(false) && await HandshakeAsync().ConfigureAwait(false) && await UseProxiedClientAfterTlsAsync().ConfigureAwait(false)
                : await AcceptProxyHeaderAsync().ConfigureAwait(false))
            {
                await ProcessRequestsAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The peer vanished or the server aborted us: nothing to answer, just close.
        }
        catch (Exception ex)
        {
            _server.Log.Warn($"connection {_remote}: unexpected {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _state = ConnectionState.Closing;
            Volatile.Write(ref _deadline, 0);
            _server.Waiter.Forget(_fd);
            ReleaseSlotsBeforeClose();
            _socket.Dispose();
            _receiveCts.Dispose();
            _transport.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            ArrayPool<byte>.Shared.Return(_headBuffer);
        }
    }

    private async Task ProcessRequestsAsync()
    {
        var options = _server.Options;
        bool firstRequest = true;
        while (true)
        {
            // Only an event thread (the runtime's epoll threads, a WritableWaiter shard) has other
            // connections waiting behind this one; a thread-pool thread has none to let through.
            int perTurn = options.RequestsPerTurn;
            if (perTurn > 0 && _servedInTurn >= perTurn)
            {
                _servedInTurn = 0;
                if (!Thread.CurrentThread.IsThreadPoolThread)
                {
                    await Task.Yield();
                }
            }

            // 1. A complete head, within the limits and the timeouts.
            _state = _end > _start ? ConnectionState.ReadingHead : ConnectionState.AwaitingRequest;
            // The first request's header timeout runs from accept, so a connection that sends
            // nothing holds its slot for the header timeout, not the keep-alive timeout.
            long headDeadline = firstRequest ? _acceptedAt + (long)options.HeaderTimeout.TotalMilliseconds : 0;
            firstRequest = false;
            int consumed = 0;
            int scanned = 0;
            while (true)
            {
                if (_end > _start)
                {
                    ParseStatus status = ParseStatus.Incomplete;
                    RequestRejectionReason reason = RequestRejectionReason.None;
                    if (!CannotBeComplete(ref scanned))
                    {
                        _head.Reset();
                        var collector = new HttpRequestHeadCollector(_head);
                        status = HttpRequestParser.TryParse(_buffer.AsSpan(_start, _end - _start), ref collector, out consumed, out reason);
                        scanned = _end - _start;
                    }

                    // The limits apply to what the head occupies: all of it once complete, the
                    // pending bytes while it is not.
                    if (status != ParseStatus.Invalid)
                    {
                        reason = CheckLimits(_buffer.AsSpan(_start, status == ParseStatus.Complete ? consumed : _end - _start));
                    }

                    if (reason != RequestRejectionReason.None)
                    {
                        await RejectAsync(reason).ConfigureAwait(false);
                        return;
                    }

                    if (status == ParseStatus.Complete)
                    {
                        break;
                    }

                    if (headDeadline == 0)
                    {
                        // The header timeout runs from the first byte of the request.
                        _state = ConnectionState.ReadingHead;
                        headDeadline = Environment.TickCount64 + (long)options.HeaderTimeout.TotalMilliseconds;
                    }
                }
                else if (_server.IsStopping)
                {
                    return;
                }

                int received = headDeadline == 0
                    ? await ReceiveMoreAsync(DeadlineReason.KeepAlive, Environment.TickCount64 + (long)options.KeepAliveTimeout.TotalMilliseconds).ConfigureAwait(false)
                    : await ReceiveMoreAsync(DeadlineReason.Header, headDeadline).ConfigureAwait(false);
                if (received == 0)
                {
                    return; // the client closed
                }

                if (received < 0)
                {
                    // A partial head gets 408 (RFC 9110 §15.5.9); a connection that sent nothing
                    // (silent since accept, or idle between requests) is closed without a word, as
                    // Kestrel and nginx do: there is no request to answer.
                    var expired = (DeadlineReason)Volatile.Read(ref _expired);
                    if (expired == DeadlineReason.Header)
                    {
                        _server.Counters.CountTimeout(Metrics.TimeoutKind.Header);
                    }
                    else if (expired == DeadlineReason.KeepAlive)
                    {
                        _server.Counters.CountTimeout(Metrics.TimeoutKind.KeepAlive);
                    }

                    if (_end > _start && expired == DeadlineReason.Header)
                    {
                        await RejectAsync(RequestRejectionReason.HeaderTimeout).ConfigureAwait(false);
                    }

                    return;
                }
            }

            long startedAt = Stopwatch.GetTimestamp();
            _start += consumed;

            // 2. Framing checks (smuggling) and the body a GET should not have.
            RequestRejectionReason invalid = _head.Validate(acceptsChunked: _server.Uploads?.TakesBody(_head) == true);
            if (invalid != RequestRejectionReason.None)
            {
                await RejectAsync(invalid).ConfigureAwait(false);
                return;
            }

            // Uploads take their body (Http1Connection.Body.cs); any other body is discarded first.
            if (!TryOpenBody() && _head.ContentLength is long bodyLength and > 0)
            {
                if (bodyLength > options.MaxDiscardedBodyBytes)
                {
                    await RejectAsync(RequestRejectionReason.BodyTooLarge).ConfigureAwait(false);
                    return;
                }

                _state = ConnectionState.DiscardingBody;
                if (!await DiscardBodyAsync(bodyLength).ConfigureAwait(false))
                {
                    return;
                }
            }

            ResolveForwardedFor();

            // 3. Describe, decide, move.
            _state = ConnectionState.Responding;
            _plan.Reset();
            if (TryAnswerHealth())
            {
                // Http1Connection.Health.cs: /-/health, before access control and the handlers.
            }
            else if (_server.Auth is { } gate)
            {
                await HandleWithAuthAsync(gate).ConfigureAwait(false);
            }
            else
            {
                // No auth configured: uploads, when on, are open to every client (loopback only).
                _plan.ListingCanWrite = _server.Uploads is not null;
                if (!await TryHandleUploadAsync().ConfigureAwait(false))
                {
                    await _server.Handler.HandleAsync(_head, _plan, DateTimeOffset.UtcNow).ConfigureAwait(false);
                }
            }

            // An upload body the handler left unread: discard it after the response, or close.
            long discardAfter = SettleBody();
            if (discardAfter < 0)
            {
                return;
            }

            if (_plan.FileBody is not null)
            {
                _server.Planner.Plan(_plan, _transport.IsTls, _transport.CanSendfile);
            }

            bool keepAlive = _head.KeepAlive && !_server.IsStopping && !_plan.CloseConnection;
            TransferOutcome outcome = await SendResponseAsync(keepAlive).ConfigureAwait(false);
            LogResponse(startedAt, outcome);
            _servedInTurn++;
            if (outcome != TransferOutcome.Completed)
            {
                CountStall();
                if (outcome == TransferOutcome.Truncated)
                {
                    _server.Log.Warn($"{_head.Target}: file shrank while being sent; connection to {_remote} aborted");
                }

                return;
            }

            if (!keepAlive)
            {
                await LingerCloseAsync().ConfigureAwait(false);
                return;
            }

            if (discardAfter > 0 && !await DiscardBodyAsync(discardAfter).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private void CountStall()
    {
        WriteStall stall = _transport.Stall;
        if (stall is WriteStall.SendTimeout or WriteStall.MinSendRate)
        {
            _server.Counters.CountTimeout(stall == WriteStall.SendTimeout ? Metrics.TimeoutKind.Send : Metrics.TimeoutKind.MinSendRate);
            if (_server.Log.AccessEnabled)
            {
                _server.Log.Info(stall == WriteStall.SendTimeout
                    ? $"{_remote}: dropped: stopped reading for the send timeout ({_server.Options.SendTimeout.TotalSeconds:0.###} s)"
                    : $"{_remote}: dropped: reading below the minimum send rate ({_server.Options.MinSendRate} B/s)");
            }
        }
    }

    // Whether the bytes that arrived since the last parse attempt leave the head incomplete: no
    // CRLF CRLF and no bare LF among them. Re-parsing the whole pending head for every segment
    // would be quadratic in its size (a client trickling one byte at a time would burn CPU), so
    // the parser runs only when the new bytes can change its answer.
    private bool CannotBeComplete(ref int scanned)
    {
        if (scanned == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> pending = _buffer.AsSpan(_start, _end - _start);
        if (pending[Math.Max(0, scanned - 3)..].IndexOf("\r\n\r\n"u8) >= 0)
        {
            return false;
        }

        int offset = scanned;
        while (true)
        {
            int lf = pending[offset..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                break;
            }

            int at = offset + lf;
            if (at == 0 || pending[at - 1] != '\r')
            {
                return false;
            }

            offset = at + 1;
        }

        scanned = pending.Length;
        return true;
    }

    // Request line over MaxRequestLineBytes → 414; head over MaxHeaderBytes → 431 (RFC 9112 §3,
    // RFC 6585 §5). The field count is HttpRequestHead's (MaxFieldCount), checked in Validate.
    private RequestRejectionReason CheckLimits(ReadOnlySpan<byte> pending)
    {
        var options = _server.Options;
        int lf = pending.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return pending.Length > options.MaxRequestLineBytes ? RequestRejectionReason.RequestLineTooLong : RequestRejectionReason.None;
        }

        if (lf + 1 > options.MaxRequestLineBytes + 2)
        {
            return RequestRejectionReason.RequestLineTooLong;
        }

        return pending.Length - (lf + 1) > options.MaxHeaderBytes ? RequestRejectionReason.HeadersTooLarge : RequestRejectionReason.None;
    }

    private void LogResponse(long startedAt, TransferOutcome outcome)
    {
        string? user = TakeAuthUser();
        // Counted whether or not the access log is on: /metrics does not depend on --quiet.
        _server.Responses.Observe(_plan.Status, startedAt);
        if (TakeHealthCheck() || !_server.Log.AccessEnabled)
        {
            return;
        }

        double ms = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
        // strategy= names what moved the bytes (README, "Access log"); a fallback replaces the
        // decision's reason with fallback:<why>(<decided strategy>).
        string strategy = _plan.FileBody is null && _plan.Archive is null ? ReceiveStrategyLabel ?? "inline" : _tally.SliceCount > 0 ? _tally.MovedByLabel() : "-";
        string reason = _tally.Fallback != TransferFallback.None
            ? $"fallback:{_tally.Fallback.Label()}({_tally.Decided.ToString().ToLowerInvariant()})"
            : _plan.Decision?.Reason.ToString().ToLowerInvariant() ?? "-";
        string version = _head.Version == HttpVersion.Http10 ? "HTTP/1.0" : "HTTP/1.1";
        _server.Log.Access(new AccessLogEntry(
            DateTimeOffset.UtcNow, _remote, _head.MethodToken, _head.Target, version, _plan.Status, _tally.BytesSent,
            strategy, reason, outcome.ToString().ToLowerInvariant(), ms,
            BodyBytes: Math.Max(0, _tally.BytesSent - _responseHeadBytes), Referer: _head.Referer, UserAgent: _head.UserAgent, User: user));
    }
}
