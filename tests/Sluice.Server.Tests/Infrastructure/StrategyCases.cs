using Sluice.Core.Policy;

namespace Sluice.Server.Tests.Infrastructure;

internal static class StrategyCases
{
    // The two mechanisms every body test must cover.
    public static TheoryData<StrategyOption> Basic => new() { StrategyOption.Sendfile, StrategyOption.Buffered };

    // Every forced strategy plus the policy: the bytes must be the same whichever path moves them.
    public static TheoryData<StrategyOption> All => new()
    {
        StrategyOption.Sendfile, StrategyOption.Buffered, StrategyOption.Direct, StrategyOption.Dontcache, StrategyOption.Copy, StrategyOption.Auto,
    };
}
