using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Sluice.Core.Http;
using Sluice.Server.Files;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // Returns bytes received, 0 when the peer closed, -1 when the deadline passed or the server
    // is shutting down. The deadline is enforced by the server's heartbeat (OnHeartbeat), not by a
    // timer per receive: arming and disarming a timer on every request costs more than the request.
    // A keep-alive connection waits here once per request, and an async method that suspends
    // allocates its state machine box each time (~120 B, a quarter of a 4 KiB request's garbage,
    // measured with GCAllocationTick); the pooling builder reuses boxes, as Kestrel does.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveMoreAsync(DeadlineReason reason, long deadline)
    {
        EnsureReceiveSpace();
        Volatile.Write(ref _deadline, (Math.Max(1, deadline) << 3) | (long)reason);
        try
        {
            // A lingering close must not use _receiveCts (it may already be cancelled: the 408 after
            // a header timeout is followed by one); its deadline aborts the socket instead.
            CancellationToken token = reason == DeadlineReason.Linger ? CancellationToken.None : _receiveCts.Token;
            ValueTask<int> receive = _transport.ReceiveAsync(_buffer.AsMemory(_end), token);
            bool waited = !receive.IsCompleted;
            int n = await receive.ConfigureAwait(false);
            if (waited)
            {
                // The socket woke this connection: a new turn begins (see "Fairness").
                _servedInTurn = 0;
            }

            _end += n;
            return n;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // A reset: the raw socket throws SocketException, a stream wraps it in IOException.
            return 0;
        }
        finally
        {
            Volatile.Write(ref _deadline, 0);
        }
    }

    // Called by the server's heartbeat (timer thread): a receive past its deadline is ended.
    public void OnHeartbeat(long now)
    {
        long armed = Volatile.Read(ref _deadline);
        if (armed != 0 && now > armed >> 3)
        {
            var reason = (DeadlineReason)(armed & 7);
            if (reason == DeadlineReason.Linger)
            {
                Abort();
            }
            else if (Interlocked.CompareExchange(ref _expired, (int)reason, (int)DeadlineReason.None) == (int)DeadlineReason.None)
            {
                CancelReceive();
            }
        }

        _transport.OnHeartbeat(now);
    }

    private void EnsureReceiveSpace()
    {
        if (_start == _end)
        {
            _start = _end = 0;
            return;
        }

        if (_end < _buffer.Length)
        {
            return;
        }

        int pending = _end - _start;
        if (_start > 0 && pending < _buffer.Length / 2)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        }
        else
        {
            // The head does not fit yet: grow. CheckLimits stops this at request line + header bytes.
            byte[] bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, _start, bigger, 0, pending);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        _start = 0;
        _end = pending;
    }

    // Reads and drops a declared request body so it is never parsed as the next request.
    private async ValueTask<bool> DiscardBodyAsync(long length)
    {
        long remaining = length;
        long deadline = Environment.TickCount64 + (long)_server.Options.HeaderTimeout.TotalMilliseconds;
        while (true)
        {
            int take = (int)Math.Min(remaining, _end - _start);
            _start += take;
            remaining -= take;
            if (remaining == 0)
            {
                return true;
            }

            if (Environment.TickCount64 >= deadline || await ReceiveMoreAsync(DeadlineReason.Header, deadline).ConfigureAwait(false) <= 0)
            {
                return false;
            }
        }
    }

    private async ValueTask<TransferOutcome> SendResponseAsync(bool keepAlive)
    {
        _tally.Reset();
        _tally.Count(SyscallKind.Policy, _plan.PolicySyscalls);
        if (_plan.Archive is { } archive)
        {
            return await SendArchiveAsync(archive, keepAlive).ConfigureAwait(false);
        }

        FileBody? body = _plan.FileBody;
        if (body is not null)
        {
            try
            {
                ReadOnlyMemory<byte> head = _headBuffer.AsMemory(0, _responseHeadBytes = WriteHead(keepAlive));
                // Decided and moved are counted apart: the decision now, what moved the bytes
                // (which a fallback may change) from the tally's slices once the body is out.
                _server.Metrics.CountDecision(_plan.Decision!.Value);
                ITransferMechanism mechanism = _server.Mechanism(_plan.Decision.Value.Strategy);
                _tally.Begin(mechanism.Strategy);
                TransferOutcome outcome = await mechanism.SendAsync(_transport, head, body, _tally).ConfigureAwait(false);
                if (outcome == TransferOutcome.Completed)
                {
                    outcome = await _transport.FlushAsync(_tally).ConfigureAwait(false);
                }

                _server.Metrics.Publish(_tally);
                return outcome;
            }
            finally
            {
                body.Source.Release();
            }
        }

        int headLength = _responseHeadBytes = WriteHead(keepAlive);
        ReadOnlyMemory<byte> inline = _plan.OmitBody ? ReadOnlyMemory<byte>.Empty : _plan.InlineBody;
        TransferOutcome result;
        if (headLength + inline.Length <= _headBuffer.Length)
        {
            // Head and a small body in one send.
            inline.CopyTo(_headBuffer.AsMemory(headLength));
            result = await _transport.SendAsync(_headBuffer.AsMemory(0, headLength + inline.Length), more: false, _tally).ConfigureAwait(false);
        }
        else
        {
            result = await _transport.SendAsync(_headBuffer.AsMemory(0, headLength), more: true, _tally).ConfigureAwait(false);
            if (result == TransferOutcome.Completed)
            {
                result = await _transport.SendAsync(inline, more: false, _tally).ConfigureAwait(false);
            }
        }

        if (result == TransferOutcome.Completed)
        {
            result = await _transport.FlushAsync(_tally).ConfigureAwait(false);
        }

        _server.Metrics.Inline.Publish(_tally);
        return result;
    }

    private int WriteHead(bool keepAlive)
    {
        bool http10 = _head.Version == HttpVersion.Http10;
        while (true)
        {
            int length = ResponseHeadBuilder.Write(_plan, keepAlive, http10, _headBuffer);
            if (length >= 0)
            {
                return length;
            }

            // Heads are a few hundred bytes; a Location of a long path may need more, never 64 KiB.
            if (_headBuffer.Length >= 64 * 1024)
            {
                throw new InvalidOperationException("response head does not fit in 64 KiB");
            }

            byte[] bigger = ArrayPool<byte>.Shared.Rent(_headBuffer.Length * 2);
            ArrayPool<byte>.Shared.Return(_headBuffer);
            _headBuffer = bigger;
        }
    }

    // The one catch-all for refused requests: status from the rejection reason, then close.
    private async Task RejectAsync(RequestRejectionReason reason)
    {
        int status = RequestRejection.StatusCode(reason);
        _server.Counters.CountRejection(reason);
        long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _plan.Reset();
        _plan.SetInline(status, ErrorBodies.For(status), ErrorBodies.ContentType);
        // A request line refused before the parser reported it leaves Method unknown; a HEAD
        // still gets no content (RFC 9110 §9.3.2), or the client would read it as the next response.
        _plan.OmitBody = _head.Method == HttpMethod.Head
            || (_head.Method == HttpMethod.Unknown && _buffer.AsSpan(_start, _end - _start).StartsWith("HEAD "u8));
        if (_server.Log.AccessEnabled)
        {
            _server.Log.Info($"{_remote}: {status} {RequestRejection.Message(reason)}");
        }
        TransferOutcome outcome = await SendResponseAsync(keepAlive: false).ConfigureAwait(false);
        LogResponse(startedAt, outcome);
        if (outcome == TransferOutcome.Completed)
        {
            await LingerCloseAsync().ConfigureAwait(false);
        }
    }

    // Closing with unread bytes in the receive queue makes the kernel send RST, which can destroy
    // the response before the client reads it. So: half-close, then drain briefly (bounded in time
    // and bytes) before the descriptor is closed — Apache's and nginx's lingering close.
    private async Task LingerCloseAsync()
    {
        _state = ConnectionState.Closing;
        ReleaseSlotsBeforeLinger();
        await CloseTlsAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            _start = _end = 0;
            long deadline = Environment.TickCount64 + 2000;
            long drained = 0;
            while (drained < 1024 * 1024 && Environment.TickCount64 < deadline)
            {
                int n = await ReceiveMoreAsync(DeadlineReason.Linger, deadline).ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }

                drained += n;
                _start = _end = 0;
            }
        }
        catch (SocketException)
        {
        }
    }
}
