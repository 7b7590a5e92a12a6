using Sluice.Server.Transfer;

namespace Sluice.Server.Connections.Transport;

// The byte pipe of one connection, whatever carries it: the raw non-blocking socket
// (SocketTransport: send(2), sendfile(2), EAGAIN → WritableWaiter) or any Stream (StreamTransport:
// a NetworkStream in tests, an SslStream for TLS). The connection receives and the mechanisms send
// only through it; the planner asks it whether sendfile can carry a body (Sendfile, IsTls).
//
// Design note (timeouts, shared by every transport): nothing here arms a timer or replaces a token
// source per write. The transport keeps two deadlines in ticks, read by the server's heartbeat
// while a send is waiting: the send timeout (how long a wait may go without the client taking a
// byte) and the minimum-rate deadline (Kestrel's MinResponseDataRate: each n bytes the client
// receives extend it by n / rate; a wait never starts with less than the grace period). Progress
// is measured at the client, not where we hand bytes over: Linux reports a socket writable only
// once about a third of its (auto-grown, multi-megabyte) send buffer is free, so a client reading
// a steady 2 KB/s can keep one wait going for minutes; each transport therefore says how many
// bytes the peer has really taken (TryGetDelivered), and any progress restarts the send timeout
// and credits the rate. The credit is capped at the send timeout: what the buffers take at once
// would otherwise bank hours, and a client trickling at r < rate would be dropped only after
// buffers / (rate - r). Capped, it is dropped after about cap / (1 - r / rate). When either
// deadline passes, Token is cancelled once, for good: the connection is finished. Anything that
// waits on behalf of this connection (writability, a stream write, a read buffer) waits on Token,
// so a stalled or trickling reader releases what it holds.
public abstract class ConnectionTransport : IDisposable
{
    private readonly long _sendTimeoutMs;
    private readonly long _minRate;
    private readonly long _graceMs;
    private readonly CancellationTokenSource _cancel;
    private long _waitDeadline;
    private long _rateDeadline;
    private long _delivered;  // what the peer had taken at the heartbeat's last look (heartbeat only)
    private int _stall;

    protected ConnectionTransport(TimeSpan sendTimeout, CancellationToken abort, long minSendRate, TimeSpan minSendRateGrace)
    {
        _sendTimeoutMs = (long)sendTimeout.TotalMilliseconds;
        _minRate = minSendRate;
        _graceMs = (long)minSendRateGrace.TotalMilliseconds;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
    }

    // Whether the bytes are encrypted in user space before they reach the socket.
    public abstract bool IsTls { get; }

    // The zero-copy capability: the raw socket transport, or null where sendfile cannot carry the
    // bytes (a stream adds a layer — TLS — that the kernel does not see). The planner never picks
    // sendfile when this is null, and only the sendfile mechanism uses it.
    public virtual SocketTransport? Sendfile => null;

    public bool CanSendfile => Sendfile is not null;

    // Cancelled when the connection is aborted (server abort or Abort()), when a wait outlives the
    // send timeout, or when the client falls below the minimum send rate. Never reset.
    public CancellationToken Token => _cancel.Token;

    // Why Token was cancelled by this transport (None while it was not, or by a server abort).
    public WriteStall Stall => (WriteStall)Volatile.Read(ref _stall);

    // Bytes received, 0 when the peer closed. Cancellation (the connection's receive deadline)
    // throws OperationCanceledException; a reset throws SocketException or IOException.
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    // Sends all of data. more: bytes of the same response follow, so the transport may hold a
    // partial segment (MSG_MORE, or a coalescing buffer) instead of pushing data out alone.
    public abstract ValueTask<TransferOutcome> SendAsync(ReadOnlyMemory<byte> data, bool more, TransferTally tally);

    // Pushes out whatever a send with more: true left held. The connection calls it once a
    // response is complete, so a response never waits in a buffer for the next one.
    public abstract ValueTask<TransferOutcome> FlushAsync(TransferTally tally);

    // Called by the connection's heartbeat (any thread).
    public void OnHeartbeat(long now)
    {
        long waitDeadline = Volatile.Read(ref _waitDeadline);
        if (waitDeadline == 0)
        {
            return; // no send is waiting: nothing to time
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

    public void Dispose()
    {
        DisposeCore();
        _cancel.Dispose();
    }

    protected virtual void DisposeCore()
    {
    }

    // Bytes the peer has taken on this connection so far (monotonic, from any origin: only
    // differences are used); false when it cannot be told now. Called by the heartbeat, on any
    // thread, while a send waits.
    protected abstract bool TryGetDelivered(out long delivered);

    // A send is about to wait for the client: from now on the heartbeat times it.
    protected void BeginWait()
    {
        long now = Environment.TickCount64;
        if (Volatile.Read(ref _rateDeadline) < now + _graceMs)
        {
            // A connection that has sent nothing for a while starts a fresh grace period.
            Volatile.Write(ref _rateDeadline, now + _graceMs);
        }

        Volatile.Write(ref _waitDeadline, now + _sendTimeoutMs);
    }

    protected void EndWait() => Volatile.Write(ref _waitDeadline, 0);

    // Whether the client took bytes since the heartbeat last looked: then it is reading, however
    // slowly, so the wait restarts its send timeout and the rate is credited with what the client
    // really received (Kestrel's accumulation: from the previous deadline, not from now). The
    // compare-exchange only extends the wait it saw, never one that began since.
    private void NoteProgress(long now, long waitDeadline)
    {
        if (!TryGetDelivered(out long delivered))
        {
            return;
        }

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
