using Sluice.Core.Policy;

namespace Sluice.Core.Tests.Policy;

public sealed class ReceivePolicyTests
{
    private const long Threshold = 4L * 1024 * 1024;

    public static TheoryData<ReceiveStrategyOption, long?, bool, ReceiveStrategy, ReceiveReason, bool> Table() => new()
    {
        // option, length (null = chunked), tls → strategy, reason, keep out of cache
        { ReceiveStrategyOption.Auto, 0, false, ReceiveStrategy.Splice, ReceiveReason.BelowThreshold, false },
        { ReceiveStrategyOption.Auto, 1, false, ReceiveStrategy.Splice, ReceiveReason.BelowThreshold, false },
        { ReceiveStrategyOption.Auto, Threshold - 1, false, ReceiveStrategy.Splice, ReceiveReason.BelowThreshold, false },
        { ReceiveStrategyOption.Auto, Threshold, false, ReceiveStrategy.Dontcache, ReceiveReason.Large, true },
        { ReceiveStrategyOption.Auto, 20L << 30, false, ReceiveStrategy.Dontcache, ReceiveReason.Large, true },
        { ReceiveStrategyOption.Auto, Threshold, true, ReceiveStrategy.Buffered, ReceiveReason.Tls, true },
        { ReceiveStrategyOption.Auto, 100, true, ReceiveStrategy.Buffered, ReceiveReason.Tls, false },
        { ReceiveStrategyOption.Auto, null, false, ReceiveStrategy.Buffered, ReceiveReason.Chunked, false },
        { ReceiveStrategyOption.Auto, null, true, ReceiveStrategy.Buffered, ReceiveReason.Tls, false },
        { ReceiveStrategyOption.Buffered, 20L << 30, false, ReceiveStrategy.Buffered, ReceiveReason.Forced, true },
        { ReceiveStrategyOption.Splice, 100, false, ReceiveStrategy.Splice, ReceiveReason.Forced, false },
        { ReceiveStrategyOption.Splice, Threshold, false, ReceiveStrategy.Splice, ReceiveReason.Forced, true },
        { ReceiveStrategyOption.Dontcache, 100, false, ReceiveStrategy.Dontcache, ReceiveReason.Forced, false },
        { ReceiveStrategyOption.Direct, Threshold, false, ReceiveStrategy.Direct, ReceiveReason.Forced, true },
        // Forced strategies do not override what TLS and chunked framing allow.
        { ReceiveStrategyOption.Splice, Threshold, true, ReceiveStrategy.Buffered, ReceiveReason.Tls, true },
        { ReceiveStrategyOption.Direct, null, false, ReceiveStrategy.Buffered, ReceiveReason.Chunked, false },
        { ReceiveStrategyOption.Dontcache, 100, true, ReceiveStrategy.Buffered, ReceiveReason.Tls, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decides(ReceiveStrategyOption option, long? length, bool tls, ReceiveStrategy strategy, ReceiveReason reason, bool keepOutOfCache)
    {
        var options = new ReceivePolicyOptions { Option = option, DirectThreshold = Threshold };
        Assert.Equal(new ReceiveDecision(strategy, reason, keepOutOfCache), ReceivePolicy.Decide(options, length, tls));
    }

    [Theory]
    [InlineData(ReceiveStrategy.Splice)]
    [InlineData(ReceiveStrategy.Direct)]
    public void AutoSendsLargeBodiesByTheConfiguredLargeStrategyAndSmallOnesBySplice(ReceiveStrategy large)
    {
        var options = new ReceivePolicyOptions { DirectThreshold = Threshold, LargeStrategy = large };
        Assert.Equal(new ReceiveDecision(large, ReceiveReason.Large, true), ReceivePolicy.Decide(options, Threshold, isTls: false));
        Assert.Equal(new ReceiveDecision(ReceiveStrategy.Splice, ReceiveReason.BelowThreshold, false), ReceivePolicy.Decide(options, Threshold - 1, isTls: false));
    }

    // A threshold of 0 makes every body large (as --direct-threshold 0 does for downloads).
    [Fact]
    public void ZeroThresholdKeepsEveryBodyOutOfTheCache() =>
        Assert.Equal(new ReceiveDecision(ReceiveStrategy.Dontcache, ReceiveReason.Large, true), ReceivePolicy.Decide(new ReceivePolicyOptions { DirectThreshold = 0 }, 0, isTls: false));
}
