using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Transfer;

// The write side of one connection: send(2) and sendfile(2) issued directly on the non-blocking
// socket, with EAGAIN turned into a wait on WritableWaiter. Every call is counted into the
// caller's tally.
//
// Design note (timeouts): nothing here arms a timer or replaces a token source per write. The
// writer keeps two deadlines in ticks, read by the server's heartbeat with Volatile reads while a
// wait is pending: the send timeout (one wait may last that long) and the minimum-rate deadline
// (Kestrel's MinResponseDataRate: each n bytes the kernel accepts extend it by n / rate, and never
// leave it earlier than now + grace). Unlike Kestrel the credit is capped at the send timeout: the
// megabytes the kernel buffers take at once would otherwise bank hours of credit, and a client
// trickling at r < rate would be dropped only after buffers / (rate - r). Capped, it is dropped
// after about cap / (1 - r / rate) — 100 s at 100 B/s with the defaults — while a client at or
// above the rate never runs out (a single wait is bounded by the send timeout anyway). When either passes, Token is cancelled once, for good: the
// connection is finished. Anything that waits on behalf of this connection (writability, a read
// buffer) waits on Token, so a stalled or trickling reader releases what it holds.
public sealed class SocketWriter : IDisposable
{
    private readonly int _fd;
    private readonly WritableWaiter _waiter;
    private readonly long _sendTimeoutMs;
    private readonly long _minRate;
    private readonly long _graceMs;
    private readonly CancellationTokenSource _cancel;
    private long _waitDeadline;
    private long _rateDeadline;
    private int _stall;

    public SocketWriter(int fd, WritableWaiter waiter, TimeSpan sendTimeout, CancellationToken abort, long minSendRate = 0, TimeSpan minSendRateGrace = default)
    {
        _fd = fd;
        _waiter = waiter;
        _sendTimeoutMs = (long)sendTimeout.TotalMilliseconds;
        _minRate = minSendRate;
        _graceMs = (long)minSendRateGrace.TotalMilliseconds;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
    }

    public int Fd => _fd;

    // Cancelled when the connection is aborted (server abort or Abort()), when a wait outlives the
    // send timeout, or when the client falls below the minimum send rate. Never reset.
    public CancellationToken Token => _cancel.Token;

    // Why Token was cancelled by this writer (None while it was not, or by a server abort).
    public WriteStall Stall => (WriteStall)Volatile.Read(ref _stall);

    // Called by the connection's heartbeat (any thread).
    public void OnHeartbeat(long now)
    {
        long waitDeadline = Volatile.Read(ref _waitDeadline);
        if (waitDeadline == 0)
        {
            return; // no write is waiting: nothing to time
        }

        if (now > waitDeadline)
        {
            Trip(WriteStall.SendTimeout);
        }
        else if (_minRate > 0 && now > Volatile.Read(ref _rateDeadline))
        {
            Trip(WriteStall.MinSendRate);
        }
    }

    public void Abort() => Trip(WriteStall.Aborted);

    public void Dispose() => _cancel.Dispose();

    // Sends all of data. more = MSG_MORE: a file body follows, so the kernel may hold a partial
    // segment instead of pushing the head out alone.
    public async ValueTask<TransferOutcome> SendAsync(ReadOnlyMemory<byte> data, bool more, TransferTally tally)
    {
        while (!data.IsEmpty)
        {
            IoResult result = SocketPal.Send(_fd, data.Span, more);
            tally.Count(SyscallKind.Send);
            switch (result.Status)
            {
                case IoStatus.Done:
                    tally.BytesSent += result.Bytes;
                    Accepted(result.Bytes);
                    data = data[(int)result.Bytes..];
                    break;
                case IoStatus.WouldBlock:
                    tally.Count(SyscallKind.EpollCtl);
                    TransferOutcome waited = await WaitWritableAsync().ConfigureAwait(false);
                    if (waited != TransferOutcome.Completed)
                    {
                        return waited;
                    }

                    break;
                case IoStatus.PeerGone:
                    return TransferOutcome.PeerGone;
                default:
                    return TransferOutcome.Failed;
            }
        }

        return TransferOutcome.Completed;
    }

    public IoResult TrySendfile(SafeFileHandle file, ref long offset, long count)
    {
        IoResult result = SocketPal.Sendfile(_fd, file, ref offset, count);
        if (result.Status == IoStatus.Done)
        {
            Accepted(result.Bytes);
        }

        return result;
    }

    public async ValueTask<TransferOutcome> WaitWritableAsync()
    {
        if (_cancel.IsCancellationRequested)
        {
            return TransferOutcome.TimedOut;
        }

        long now = Environment.TickCount64;
        if (Volatile.Read(ref _rateDeadline) < now + _graceMs)
        {
            // A connection that has sent nothing for a while starts a fresh grace period.
            Volatile.Write(ref _rateDeadline, now + _graceMs);
        }

        Volatile.Write(ref _waitDeadline, now + _sendTimeoutMs);
        try
        {
            await _waiter.WaitAsync(_fd, _cancel.Token).ConfigureAwait(false);
            return TransferOutcome.Completed;
        }
        catch (OperationCanceledException)
        {
            return TransferOutcome.TimedOut;
        }
        catch (IOException)
        {
            return TransferOutcome.Failed;
        }
        finally
        {
            Volatile.Write(ref _waitDeadline, 0);
        }
    }

    // The kernel took n bytes: the client has n / rate more seconds (Kestrel's accumulation, so a
    // large write is not held to the grace period alone).
    private void Accepted(long n)
    {
        if (_minRate <= 0 || n <= 0)
        {
            return;
        }

        long now = Environment.TickCount64;
        long needMs = n * 1000 / _minRate;
        long single = now + Math.Max(_graceMs, needMs);
        long accumulated = Volatile.Read(ref _rateDeadline) + needMs;
        long cap = now + Math.Max(_graceMs, _sendTimeoutMs);
        Volatile.Write(ref _rateDeadline, Math.Min(cap, Math.Max(single, accumulated)));
    }

    private void Trip(WriteStall stall)
    {
        if (Interlocked.CompareExchange(ref _stall, (int)stall, (int)WriteStall.None) != (int)WriteStall.None)
        {
            return;
        }

        // Cancel on the thread pool: the callbacks registered on Token resume transfers, which must
        // not run on the heartbeat's timer thread.
        ThreadPool.UnsafeQueueUserWorkItem(
            static cancel =>
            {
                try
                {
                    cancel.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The connection closed in the meantime.
                }
            },
            _cancel,
            preferLocal: false);
    }
}
