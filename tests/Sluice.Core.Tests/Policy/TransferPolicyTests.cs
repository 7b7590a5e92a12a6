using Sluice.Core.Policy;

namespace Sluice.Core.Tests.Policy;

public sealed class TransferPolicyTests
{
    private const long MiB = 1024 * 1024;

    public static TheoryData<StrategyOption, long, bool, double?, TransferStrategy, DecisionReason> Table => new()
    {
        // auto: small → one copy; medium → sendfile, whatever the residency
        { StrategyOption.Auto, 1, false, null, TransferStrategy.Copy, DecisionReason.Small },
        { StrategyOption.Auto, 128 * 1024, false, 0.0, TransferStrategy.Copy, DecisionReason.Small },
        { StrategyOption.Auto, (128 * 1024) + 1, false, null, TransferStrategy.Sendfile, DecisionReason.BelowThreshold },
        { StrategyOption.Auto, (4 * MiB) - 1, false, 0.0, TransferStrategy.Sendfile, DecisionReason.BelowThreshold },
        // auto: at the threshold and cold → the large strategy
        { StrategyOption.Auto, 4 * MiB, false, 0.0, TransferStrategy.Direct, DecisionReason.LargeCold },
        { StrategyOption.Auto, 1L << 30, false, 0.89, TransferStrategy.Direct, DecisionReason.LargeCold },
        // auto: large but resident → sendfile
        { StrategyOption.Auto, 1L << 30, false, 0.9, TransferStrategy.Sendfile, DecisionReason.Resident },
        { StrategyOption.Auto, 1L << 30, false, 1.0, TransferStrategy.Sendfile, DecisionReason.Resident },
        // auto: large, residency unknown → treated as cold
        { StrategyOption.Auto, 1L << 30, false, null, TransferStrategy.Direct, DecisionReason.ResidencyUnknown },
        // forced options ignore size and residency
        { StrategyOption.Sendfile, 1L << 32, false, 0.0, TransferStrategy.Sendfile, DecisionReason.Forced },
        { StrategyOption.Buffered, 1, false, 1.0, TransferStrategy.Buffered, DecisionReason.Forced },
        { StrategyOption.Direct, 1, false, 1.0, TransferStrategy.Direct, DecisionReason.Forced },
        { StrategyOption.Dontcache, 1L << 32, false, null, TransferStrategy.Dontcache, DecisionReason.Forced },
        { StrategyOption.Copy, 1L << 32, false, null, TransferStrategy.Copy, DecisionReason.Forced },
        // TLS needs user-space bytes: auto and sendfile go by copy, or around the cache when large and cold
        { StrategyOption.Sendfile, 1, true, 1.0, TransferStrategy.Copy, DecisionReason.Tls },
        { StrategyOption.Auto, 1, true, null, TransferStrategy.Copy, DecisionReason.Tls },
        { StrategyOption.Auto, (4 * MiB) - 1, true, null, TransferStrategy.Copy, DecisionReason.Tls },
        { StrategyOption.Auto, 1L << 30, true, 0.0, TransferStrategy.Direct, DecisionReason.Tls },
        { StrategyOption.Auto, 1L << 30, true, null, TransferStrategy.Direct, DecisionReason.Tls },
        { StrategyOption.Auto, 1L << 30, true, 0.95, TransferStrategy.Copy, DecisionReason.Tls },
        { StrategyOption.Sendfile, 1L << 30, true, 0.0, TransferStrategy.Direct, DecisionReason.Tls },
        // TLS keeps a forced read path
        { StrategyOption.Buffered, 1L << 30, true, null, TransferStrategy.Buffered, DecisionReason.Forced },
        { StrategyOption.Dontcache, 1L << 30, true, null, TransferStrategy.Dontcache, DecisionReason.Forced },
        { StrategyOption.Direct, 1, true, null, TransferStrategy.Direct, DecisionReason.Forced },
        { StrategyOption.Copy, 1L << 30, true, null, TransferStrategy.Copy, DecisionReason.Forced },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void DecisionTable(StrategyOption option, long length, bool tls, double? resident, TransferStrategy strategy, DecisionReason reason)
    {
        var options = new TransferPolicyOptions { Option = option };
        Assert.Equal(new TransferDecision(strategy, reason), TransferPolicy.Decide(options, length, tls, resident));
    }

    [Fact]
    public void LargeStrategyAndThresholdAreConfigurable()
    {
        var options = new TransferPolicyOptions { CopyThreshold = 0, DirectThreshold = 100, LargeStrategy = TransferStrategy.Dontcache };
        Assert.Equal(new TransferDecision(TransferStrategy.Sendfile, DecisionReason.BelowThreshold), TransferPolicy.Decide(options, 99, false, 0));
        Assert.Equal(new TransferDecision(TransferStrategy.Dontcache, DecisionReason.LargeCold), TransferPolicy.Decide(options, 100, false, 0));
        Assert.Equal(new TransferDecision(TransferStrategy.Copy, DecisionReason.Small), TransferPolicy.Decide(options with { CopyThreshold = 50 }, 50, false, 0));
    }

    [Theory]
    [InlineData(StrategyOption.Auto, 4 * MiB, false, true)]
    [InlineData(StrategyOption.Auto, (4 * MiB) - 1, false, false)]
    [InlineData(StrategyOption.Auto, 4 * MiB, true, true)]
    [InlineData(StrategyOption.Auto, (4 * MiB) - 1, true, false)]
    [InlineData(StrategyOption.Sendfile, 4 * MiB, true, true)]
    [InlineData(StrategyOption.Direct, 4 * MiB, true, false)]
    [InlineData(StrategyOption.Direct, 1L << 30, false, false)]
    [InlineData(StrategyOption.Sendfile, 1L << 30, false, false)]
    public void ResidencyIsMeasuredOnlyWhenItCanChangeTheDecision(StrategyOption option, long length, bool tls, bool expected) =>
        Assert.Equal(expected, TransferPolicy.NeedsResidency(new TransferPolicyOptions { Option = option }, length, tls));
}
