using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Server.Disk;

namespace Sluice.Server.Transfer;

// One MechanismCounters per strategy, for /metrics and `sluice bench`.
public sealed class TransferMetrics
{
    private readonly MechanismCounters[] _byStrategy;

    public TransferMetrics()
    {
        TransferStrategy[] all = Enum.GetValues<TransferStrategy>();
        _byStrategy = new MechanismCounters[all.Length];
        foreach (TransferStrategy strategy in all)
        {
            _byStrategy[(int)strategy] = new MechanismCounters(strategy);
        }

        // Head-only and in-memory responses (errors, 304, listings) move no file bytes.
        Inline = new MechanismCounters(TransferStrategy.Buffered);
    }

    private static readonly int s_strategyCount = Enum.GetValues<TransferStrategy>().Length;
    private readonly long[] _decisions = new long[Enum.GetValues<DecisionReason>().Length * s_strategyCount];

    private static readonly int s_fallbackCount = Enum.GetValues<TransferFallback>().Length;
    private readonly long[] _fallbacks = new long[s_fallbackCount * s_strategyCount];

    private readonly long[] _fallbackBytes = new long[s_fallbackCount * s_strategyCount * s_strategyCount];

    private long _fileResponses;

    public MechanismCounters Inline { get; }

    // File responses published, each once (sluice_responses_total counts a split body twice).
    public long FileResponses => Volatile.Read(ref _fileResponses);

    // What each filesystem refused, for the capability gauge.
    public FilesystemCapabilities? Capabilities { get; internal set; }

    // One file response: each slice's bytes and calls go to the strategy that moved them, the
    // response is counted once under every strategy that moved part of it, and the bytes a
    // fallback moved are also counted by (decided, mover, reason). The decision itself is counted
    // before the move (CountDecision).
    public void Publish(TransferTally tally)
    {
        Interlocked.Increment(ref _fileResponses);
        for (int slice = 0; slice < tally.SliceCount; slice++)
        {
            TransferStrategy strategy = tally.SliceStrategy(slice);
            For(strategy).PublishSlice(tally, slice);
            TransferFallback reason = tally.SliceReason(slice);
            long sent = tally.SliceBytesSent(slice);
            if (reason != TransferFallback.None && sent != 0)
            {
                Interlocked.Add(ref _fallbackBytes[FallbackBytesIndex(tally.Decided, strategy, reason)], sent);
            }
        }

        foreach (MechanismCounters counters in _byStrategy)
        {
            if (tally.Moved(counters.Strategy))
            {
                counters.CountResponse();
            }
        }

        if (tally.Fallback != TransferFallback.None)
        {
            CountFallback(tally.Decided, tally.Fallback);
        }
    }

    // Bytes sent by strategy `movedBy` for bodies decided as `decided`, because of reason.
    public long FallbackBytesSent(TransferStrategy decided, TransferStrategy movedBy, TransferFallback reason) =>
        Volatile.Read(ref _fallbackBytes[FallbackBytesIndex(decided, movedBy, reason)]);

    private static int FallbackBytesIndex(TransferStrategy decided, TransferStrategy movedBy, TransferFallback reason) =>
        (((int)reason * s_strategyCount) + (int)decided) * s_strategyCount + (int)movedBy;

    // The aligned read buffers of direct/dontcache, for the in-use vs budget gauge.
    public AlignedBufferPool? ReadBuffers { get; internal set; }

    // The disk engine chosen at start and what it did.
    public Disk.DiskEngineCounters? DiskEngine { get; internal set; }

    // Responses decided as strategy that moved (part of) their body another way, by reason.
    public void CountFallback(TransferStrategy strategy, TransferFallback reason) =>
        Interlocked.Increment(ref _fallbacks[((int)reason * s_strategyCount) + (int)strategy]);

    public long Fallbacks(TransferStrategy strategy, TransferFallback reason) =>
        Volatile.Read(ref _fallbacks[((int)reason * s_strategyCount) + (int)strategy]);

    public void CountDecision(TransferDecision decision) =>
        Interlocked.Increment(ref _decisions[((int)decision.Reason * s_strategyCount) + (int)decision.Strategy]);

    public long Decisions(DecisionReason reason, TransferStrategy strategy) =>
        Volatile.Read(ref _decisions[((int)reason * s_strategyCount) + (int)strategy]);

    public IReadOnlyList<MechanismCounters> All => _byStrategy;

    public MechanismCounters For(TransferStrategy strategy) => _byStrategy[(int)strategy];
}
