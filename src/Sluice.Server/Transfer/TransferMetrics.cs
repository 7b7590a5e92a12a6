using Sluice.Core.Policy;
using Sluice.Interop.Memory;

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

    public MechanismCounters Inline { get; }

    // The aligned read buffers of direct/dontcache, for the in-use vs budget gauge.
    public AlignedBufferPool? ReadBuffers { get; internal set; }

    // The disk engine chosen at start and what it did.
    public Disk.DiskEngineCounters? DiskEngine { get; internal set; }

    // Responses of a strategy that moved (part of) their body another way, by reason.
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
