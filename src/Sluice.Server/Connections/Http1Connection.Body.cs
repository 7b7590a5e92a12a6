using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Server.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Receive;
using Sluice.Server.Transfer;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    private static readonly byte[] s_continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    // The body of the current request when a handler takes it (uploads), else null.
    private ConnectionBody? _body;
    private ConnectionBody? _bodyInstance;

    // The last access-control answer (Http1Connection.Auth.cs), for the write gate.
    private AuthResult _authResult;

    // Whether this request's body goes to a handler (PUT with --upload) instead of being
    // discarded before the response; then the body is opened for it.
    private bool TryOpenBody()
    {
        _body = null;
        // Every tus request gets the body (the handler reads a PATCH's; any other is discarded
        // after the response, or closes the connection when large), so it always has one to pass.
        if (!IsTusRequest && (_server.Uploads is not { } uploads || !uploads.TakesBody(_head)))
        {
            return false;
        }

        // A chunked body (HttpRequestHead.Validate let it through only because this handler takes
        // it) is decoded here (Http1Connection.Chunked.cs); any other Transfer-Encoding was 501.
        _bodyInstance ??= new ConnectionBody(this);
        _bodyInstance.Open(_head.IsChunked ? null : _head.ContentLength ?? 0, _head.ExpectContinue && _head.Version == HttpVersion.Http11);
        _body = _bodyInstance;
        return true;
    }

    // Runs the upload handler when uploads are on and the method is one of its; false: the file
    // handler answers. Writes need an authenticated user when access control is on: a public
    // prefix never grants them (AuthorizeAsync ignored the prefix for write methods).
    private async ValueTask<bool> TryHandleUploadAsync()
    {
        // tus first: the upload handler answers every method but GET and HEAD, /-/uploads/ included.
        if (IsTusRequest)
        {
            await _server.Tus!.Handler.HandleAsync(_head, _body!, _plan, _server.Auth is null ? null : _authResult.User).ConfigureAwait(false);
            return true;
        }

        if (_server.Uploads is not { } uploads || !uploads.Handles(_head))
        {
            return false;
        }

        await uploads.HandleAsync(_head, _body, _plan, _server.Auth is null ? null : _authResult.User).ConfigureAwait(false);
        return true;
    }

    // /-/uploads/ while uploads are on (TusHandler); it shadows a served directory named "-".
    private bool IsTusRequest => _server.Tus is not null && TusHandler.Matches(_head.TargetBytes);

    // Requests that need an authenticated user when access control is on, even under a public
    // prefix: PUT/DELETE/MKCOL and every tus request but OPTIONS (discovery, tus 1.0.0 §OPTIONS,
    // which tells nothing about anyone's uploads). A HEAD of an upload is no read of the tree: it
    // must reach the handler with its owner, or an anonymous HEAD would see only the anonymous
    // owner's uploads and a public prefix over "/" would answer 404 instead of 401.
    private bool IsWriteRequest => IsTusRequest
        ? _head.Method != HttpMethod.Options
        : _server.Uploads?.IsWrite(_head) == true;

    // strategy= of the access log for a request whose body went to a file: what moved it (after
    // any fallback); null when no body was received into a file.
    private string? ReceiveStrategyLabel => _body?.ReceivedBy switch
    {
        Core.Policy.ReceiveStrategy.Buffered => "buffered",
        Core.Policy.ReceiveStrategy.Splice => "splice",
        Core.Policy.ReceiveStrategy.Dontcache => "dontcache",
        Core.Policy.ReceiveStrategy.Direct => "direct",
        _ => null,
    };

    // After the handler: a body it did not read to the end is discarded after the response when
    // small (so the connection survives), else the connection closes. A client still waiting for
    // 100 Continue never sends the body: close rather than wait for it (RFC 9110 §10.1.1).
    // Returns the bytes to discard after the response, or -1 when no response must be sent (the
    // client went away or timed out mid-body).
    private long SettleBody()
    {
        if (_server.Uploads is not null)
        {
            // Uploaded active content must not run as the site (README "Uploads").
            Uploads.UploadResponses.Sandbox(_plan);
        }

        if (_body is not { } body || body.IsComplete)
        {
            return 0;
        }

        if (body.Outcome is ReceiveOutcome.PeerGone or ReceiveOutcome.TimedOut)
        {
            return -1;
        }

        // A chunked body's rest has no known length: never discarded, the connection closes.
        if (body.DeclaredLength is not long declared)
        {
            _plan.CloseConnection = true;
            return 0;
        }

        long remaining = declared - body.Consumed;
        if (body.Outcome != ReceiveOutcome.Completed || (body.ExpectContinue && !body.ContinueSent) || remaining > _server.Options.MaxDiscardedBodyBytes)
        {
            _plan.CloseConnection = true;
            return 0;
        }

        return remaining;
    }

    // A request body read from this connection (a chunked one: Http1Connection.Chunked.cs). A
    // Content-Length body: first the bytes already buffered
    // behind the head, then from the transport, never past its end (the next request's bytes stay
    // in the buffer). Deadline: while a read waits for the client, the connection's one deadline
    // word holds DeadlineReason.Body at min(last byte + body timeout, rate deadline); the rate
    // deadline starts at the grace period and each byte received extends it by 1 / rate seconds
    // (Kestrel's MinRequestBodyDataRate), capped so a burst cannot bank hours. Time between waits
    // (disk writes) is not charged: the rate deadline moves on by it.
    private sealed partial class ConnectionBody(Http1Connection connection) : RequestBody, IReceiveDeadline
    {
        private readonly Http1Connection _connection = connection;
        private readonly ReceiveTally _tally = new();
        private long _length;
        private long _consumed;
        private long _rateDeadline;
        private long _pausedAt;

        public override long? DeclaredLength => _chunked ? null : _length;

        public override long Consumed => _consumed;

        public override bool IsComplete => _chunked ? _decoder.IsDone : _consumed == _length;

        public bool ExpectContinue { get; private set; }

        public bool ContinueSent { get; private set; }

        // Completed while nothing went wrong; else how a read or receive ended early.
        public ReceiveOutcome Outcome { get; private set; }

        public ReceiveTally Tally => _tally;

        // What moved the body into its file (the last receive's, after any fallback); null until then.
        public Core.Policy.ReceiveStrategy? ReceivedBy { get; private set; }

        public CancellationToken Token => _connection._receiveCts.Token;

        private UploadOptions Options => _connection._server.Options.Uploads!;

        // length: null for a chunked body.
        public void Open(long? length, bool expectContinue)
        {
            _chunked = length is null;
            _decoder.Reset();
            _length = length ?? 0;
            _consumed = 0;
            ExpectContinue = expectContinue;
            ContinueSent = false;
            Outcome = ReceiveOutcome.Completed;
            ReceivedBy = null;
            _tally.Reset();
            long now = Environment.TickCount64;
            _rateDeadline = now + (long)Options.MinReceiveRateGrace.TotalMilliseconds;
            _pausedAt = now;
        }

        public override async ValueTask<BodyRead> ReadAsync(Memory<byte> buffer)
        {
            if (IsComplete || buffer.IsEmpty)
            {
                return new BodyRead(0, ReceiveOutcome.Completed);
            }

            if (Outcome != ReceiveOutcome.Completed || !await SendContinueAsync().ConfigureAwait(false))
            {
                return new BodyRead(0, Outcome);
            }

            if (_chunked)
            {
                return await ReadChunkedAsync(buffer).ConfigureAwait(false);
            }

            int want = (int)Math.Min(buffer.Length, _length - _consumed);
            Http1Connection c = _connection;
            if (c._end > c._start)
            {
                int take = Math.Min(want, c._end - c._start);
                c._buffer.AsMemory(c._start, take).CopyTo(buffer);
                c._start += take;
                _consumed += take;
                return new BodyRead(take, ReceiveOutcome.Completed);
            }

            int n = 0;
            BeginWait();
            try
            {
                n = await c._transport.ReceiveAsync(buffer[..want], Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new BodyRead(0, Outcome = ReceiveOutcome.TimedOut);
            }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
            {
                return new BodyRead(0, Outcome = ReceiveOutcome.PeerGone);
            }
            finally
            {
                EndWait(n);
            }

            if (n == 0)
            {
                return new BodyRead(0, Outcome = ReceiveOutcome.PeerGone);
            }

            _consumed += n;
            return new BodyRead(n, ReceiveOutcome.Completed);
        }

        public override async ValueTask<ReceiveResult> WriteToAsync(SafeFileHandle file, long offset, long maxBytes)
        {
            if (_chunked)
            {
                return await WriteChunkedToAsync(file, offset, maxBytes).ConfigureAwait(false);
            }

            long remaining = _length - _consumed;
            if (remaining > maxBytes)
            {
                return new ReceiveResult(ReceiveOutcome.TooLarge, 0, Core.Policy.ReceiveStrategy.Buffered);
            }

            if (Outcome != ReceiveOutcome.Completed || !await SendContinueAsync().ConfigureAwait(false))
            {
                return new ReceiveResult(Outcome, 0, Core.Policy.ReceiveStrategy.Buffered);
            }

            Http1Connection c = _connection;
            int buffered = (int)Math.Min(remaining, c._end - c._start);
            var job = new ReceiveJob(c._transport, c._buffer.AsMemory(c._start, buffered), file, offset, remaining, _tally) { Deadline = this };
            IReceiveMechanism mechanism = c._server.ReceivePlanner.Pick(remaining, c._transport.IsTls);
            ReceiveResult result = await mechanism.ReceiveAsync(job).ConfigureAwait(false);
            ReceivedBy = result.Strategy;
            // The buffered bytes are spent whatever happened: after a failure the connection
            // closes (the body's position is unknown), after success they were written.
            c._start += buffered;
            if (result.Outcome == ReceiveOutcome.Completed)
            {
                _consumed = _length;
            }
            else
            {
                _consumed += result.Bytes;
                Outcome = result.Outcome;
            }

            return result;
        }

        public void BeginWait()
        {
            long now = Environment.TickCount64;
            // Time spent away from the socket (writing to disk) is not the client's.
            _rateDeadline += Math.Max(0, now - _pausedAt);
            long idle = now + (long)Options.BodyTimeout.TotalMilliseconds;
            long deadline = Options.MinReceiveRate > 0 ? Math.Min(idle, _rateDeadline) : idle;
            Volatile.Write(ref _connection._deadline, (Math.Max(1, deadline) << 3) | (long)DeadlineReason.Body);
        }

        public void EndWait(long bytes)
        {
            Volatile.Write(ref _connection._deadline, 0);
            _pausedAt = Environment.TickCount64;
            Credit(bytes);
        }

        public void Credit(long bytes)
        {
            if (bytes > 0 && Options.MinReceiveRate > 0)
            {
                long cap = Environment.TickCount64 + Math.Max((long)Options.MinReceiveRateGrace.TotalMilliseconds, (long)Options.BodyTimeout.TotalMilliseconds);
                _rateDeadline = Math.Min(cap, _rateDeadline + (bytes * 1000 / Options.MinReceiveRate));
            }
        }

        // The interim 100 goes out once, before the first byte is read, and only if asked for.
        private async ValueTask<bool> SendContinueAsync()
        {
            if (!ExpectContinue || ContinueSent)
            {
                return true;
            }

            ContinueSent = true;
            var tally = new TransferTally();
            TransferOutcome sent = await _connection._transport.SendAsync(s_continue, more: false, tally).ConfigureAwait(false);
            if (sent == TransferOutcome.Completed)
            {
                sent = await _connection._transport.FlushAsync(tally).ConfigureAwait(false);
            }

            if (sent != TransferOutcome.Completed)
            {
                Outcome = ReceiveOutcome.PeerGone;
                return false;
            }

            return true;
        }
    }
}
