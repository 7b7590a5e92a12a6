namespace Sluice.Core.Policy;

// The knobs of the auto policy, validated with the rest of the configuration.
public sealed record TransferPolicyOptions
{
    public StrategyOption Option { get; init; } = StrategyOption.Auto;

    // Bodies at or above this size are candidates for the cache-bypassing strategy (nginx: directio).
    public long DirectThreshold { get; init; } = 4L * 1024 * 1024;

    // Which cache-bypassing strategy auto uses for large cold bodies.
    public TransferStrategy LargeStrategy { get; init; } = TransferStrategy.Direct;

    // A range at least this resident counts as hot: sendfile serves it from memory.
    public double ResidentFraction { get; init; } = 0.9;
}
