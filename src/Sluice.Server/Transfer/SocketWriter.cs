using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Transfer;

// The write side of one connection: send(2) and sendfile(2) issued directly on the non-blocking
// socket, with EAGAIN turned into a wait on WritableWaiter. Every call is counted into the
// caller's tally.
//
// Design note (timeouts): nothing here arms a timer or replaces a token source per write. The
// writer keeps two deadlines in ticks, read by the server's heartbeat while a wait is pending: the
// send timeout (how long a wait may go without the client taking a byte) and the minimum-rate
// deadline (Kestrel's MinResponseDataRate: each n bytes the client receives extend it by n / rate;
// a wait never starts with less than the grace period). Progress is measured at the client, not
// at the socket: Linux reports a socket writable only once about a third of its (auto-grown,
// multi-megabyte) send buffer is free, so a client reading a steady 2 KB/s can keep one wait
// going for minutes; the heartbeat therefore reads how much of what the kernel accepted the peer
// has acknowledged (SIOCOUTQ), and any progress restarts the send timeout and credits the rate.
// The credit is capped at the send timeout: what the buffers take at once would otherwise bank
// hours, and a client trickling at r < rate would be dropped only after buffers / (rate - r).
// Capped, it is dropped after about cap / (1 - r / rate). When either deadline passes, Token is
// cancelled once, for good: the connection is finished. Anything that waits on behalf of this
// connection (writability, a read buffer) waits on Token, so a stalled or trickling reader
// releases what it holds.
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
    private long _accepted;   // bytes the kernel took from us (written by the sender, read by the heartbeat)
    private long _delivered;  // of those, acknowledged by the peer at the heartbeat's last look (heartbeat only)
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

        NoteProgress(now, waitDeadline);
        waitDeadline = Volatile.Read(ref _waitDeadline);
        if (waitDeadline != 0 && now > waitDeadline)
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

    private void Accepted(long n) => Volatile.Write(ref _accepted, _accepted + n);

    // Whether the client acknowledged bytes since the heartbeat last looked: then it is reading,
    // however slowly, so the wait restarts its send timeout and the rate is credited with what the
    // client really received (Kestrel's accumulation: from the previous deadline, not from now).
    // The descriptor may have been closed and reused between the caller's read of the deadline
    // and the ioctl; the read-only ioctl is harmless then, and the compare-exchange below only
    // extends the wait it saw.
    private void NoteProgress(long now, long waitDeadline)
    {
        if (!SocketPal.TryGetUnacknowledgedBytes(_fd, out int unacknowledged))
        {
            return;
        }

        long delivered = Volatile.Read(ref _accepted) - unacknowledged;
        long progress = delivered - _delivered;
        if (progress <= 0)
        {
            return;
        }

        _delivered = delivered;
        if (_minRate > 0)
        {
            long cap = now + Math.Max(_graceMs, _sendTimeoutMs);
            long accumulated = Volatile.Read(ref _rateDeadline) + progress * 1000 / _minRate;
            Volatile.Write(ref _rateDeadline, Math.Min(cap, accumulated));
        }

        Interlocked.CompareExchange(ref _waitDeadline, now + _sendTimeoutMs, waitDeadline);
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
