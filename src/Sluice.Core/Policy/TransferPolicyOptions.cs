namespace Sluice.Core.Policy;

// The knobs of the auto policy, validated with the rest of the configuration.
public sealed record TransferPolicyOptions
{
    public StrategyOption Option { get; init; } = StrategyOption.Auto;

    // Bodies up to this size are copied in one pread + one send (0 disables). On the machines this
    // was measured on (paravirtualized, loopback) that beat sendfile for small bodies by 4-10 %
    // in requests/s, as DESIGN.md reports for nginx's copy path; with a real NIC, measure again.
    public long CopyThreshold { get; init; } = 128 * 1024;

    // Bodies at or above this size are candidates for the cache-bypassing strategy (nginx: directio).
    public long DirectThreshold { get; init; } = 4L * 1024 * 1024;

    // Which cache-bypassing strategy auto uses for large cold bodies.
    public TransferStrategy LargeStrategy { get; init; } = TransferStrategy.Direct;

    // A range at least this resident counts as hot: sendfile serves it from memory.
    public double ResidentFraction { get; init; } = 0.9;
}
