namespace Sluice.Server.Transfer;

// Per-response counts, one instance per connection, reset for each response and published once,
// so the hot loop does no atomics. System calls are counted by kind, so a new kind needs only a
// SyscallKind member.
public sealed class TransferTally
{
    private readonly long[] _calls = new long[(int)SyscallKind.Count];

    public long BytesSent { get; set; }

    public long BytesRead { get; set; }

    // Requests handed to the disk engine (reads of page-cache misses, populates): each one is
    // work a socket thread did not wait for.
    public long EngineRequests { get; set; }

    // Set by a mechanism that had to move (part of) the body another way; the first reason wins.
    public TransferFallback Fallback { get; private set; }

    public void NoteFallback(TransferFallback reason)
    {
        if (Fallback == TransferFallback.None)
        {
            Fallback = reason;
        }
    }

    public void Count(SyscallKind kind, long calls = 1) => _calls[(int)kind] += calls;

    public long Calls(SyscallKind kind) => _calls[(int)kind];

    public void Reset()
    {
        BytesSent = BytesRead = EngineRequests = 0;
        Fallback = TransferFallback.None;
        Array.Clear(_calls);
    }
}
