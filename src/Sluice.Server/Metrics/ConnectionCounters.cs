using Sluice.Core.Http;

namespace Sluice.Server.Metrics;

// Why connections were refused or closed early, for /metrics: the refusals a hostile client
// provokes must be visible, not only the responses that succeeded.
public sealed class ConnectionCounters
{
    private static readonly int s_rejectionCount = Enum.GetValues<RequestRejectionReason>().Length;
    private readonly long[] _rejections = new long[s_rejectionCount];
    private readonly long[] _busy = new long[Enum.GetValues<BusyKind>().Length];
    private readonly long[] _timeouts = new long[Enum.GetValues<TimeoutKind>().Length];

    public void CountRejection(RequestRejectionReason reason) => Interlocked.Increment(ref _rejections[(int)reason]);

    public long Rejections(RequestRejectionReason reason) => Volatile.Read(ref _rejections[(int)reason]);

    public void CountBusy(BusyKind kind) => Interlocked.Increment(ref _busy[(int)kind]);

    public long Busy(BusyKind kind) => Volatile.Read(ref _busy[(int)kind]);

    public void CountTimeout(TimeoutKind kind) => Interlocked.Increment(ref _timeouts[(int)kind]);

    public long Timeouts(TimeoutKind kind) => Volatile.Read(ref _timeouts[(int)kind]);

    // Accept failures for lack of descriptors (EMFILE/ENFILE), each followed by a back-off.
    public long AcceptBackoffs => Volatile.Read(ref _acceptBackoffs);

    public void CountAcceptBackoff() => Interlocked.Increment(ref _acceptBackoffs);

    // The heartbeat's ticks and the time they took (Stopwatch ticks), so its cost per tick — a walk
    // over every connection — is measured rather than guessed.
    public long HeartbeatTicks => Volatile.Read(ref _heartbeatTicks);

    public double HeartbeatSeconds => Volatile.Read(ref _heartbeatElapsed) / (double)System.Diagnostics.Stopwatch.Frequency;

    // Only the heartbeat's timer callback calls this, and timer callbacks of one Timer may overlap
    // only if a tick outlasts the period; Interlocked keeps the sums right even then.
    public void CountHeartbeat(long elapsed)
    {
        Interlocked.Increment(ref _heartbeatTicks);
        Interlocked.Add(ref _heartbeatElapsed, elapsed);
    }

    // Access control (--auth): challenges, failures, rate limiting, cache hits.
    public AuthCounters Auth { get; } = new();

    private long _acceptBackoffs;
    private long _heartbeatTicks;
    private long _heartbeatElapsed;
}

public enum BusyKind : byte
{
    // --max-connections reached.
    Server,
    // --max-connections-per-address reached for the client's address.
    Address,
}

public enum TimeoutKind : byte
{
    // No complete head within the header timeout (from accept, or from the first byte of a later request).
    Header,
    // Idle between requests for the keep-alive timeout.
    KeepAlive,
    // A blocked write outlived the send timeout.
    Send,
    // The client took the response below the minimum send rate.
    MinSendRate,
}
