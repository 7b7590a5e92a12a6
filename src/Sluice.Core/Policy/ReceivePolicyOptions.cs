namespace Sluice.Core.Policy;

public sealed record ReceivePolicyOptions
{
    public ReceiveStrategyOption Option { get; init; } = ReceiveStrategyOption.Auto;

    // Bodies of at least this size are kept out of the page cache (the same --direct-threshold as
    // downloads: one notion of "large" for both directions).
    public long DirectThreshold { get; init; } = 4L * 1024 * 1024;

    // auto: the mechanism for large bodies. Dontcache by default (splice with drop-behind where the
    // file system refuses RWF_DONTCACHE: OutOfCacheReceive); see ReceivePolicy.
    public ReceiveStrategy LargeStrategy { get; init; } = ReceiveStrategy.Dontcache;
}
