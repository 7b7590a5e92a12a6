using Sluice.Core.Policy;

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

    public MechanismCounters Inline { get; }

    public IReadOnlyList<MechanismCounters> All => _byStrategy;

    public MechanismCounters For(TransferStrategy strategy) => _byStrategy[(int)strategy];
}
