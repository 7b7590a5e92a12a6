using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Strategies;

// auto, observed from outside (access log and metrics): one copy for small files, sendfile for
// medium files and large resident ones, the cache-bypassing strategy for large cold ones.
public sealed class AutoPolicyTests
{
    [Theory]
    [InlineData(TransferStrategy.Direct)]
    [InlineData(TransferStrategy.Dontcache)]
    public async Task AutoChoosesByThresholdAndResidency(TransferStrategy large)
    {
        // blocks.bin (1 MiB + 5) sits between the copy threshold and the direct threshold.
        await using TestServer server = TestServer.Start(StrategyOption.Auto, o => o with { CopyThreshold = 64 * 1024, DirectThreshold = 2 * 1024 * 1024, LargeStrategy = large });
        string path = server.PathOf("random.bin");
        string largeName = large.ToString().ToLowerInvariant();

        RawResponse small = await server.GetAsync("/tiny.txt");
        Assert.Equal(200, small.Status);
        RawResponse medium = await server.GetAsync("/blocks.bin");
        Assert.Equal(200, medium.Status);

        PageCache.FlushAndEvict(path);
        RawResponse cold = await server.GetAsync("/random.bin");
        Assert.Equal(TestServer.RandomLength, cold.Body.Length);

        PageCache.Warm(path);
        RawResponse hot = await server.GetAsync("/random.bin");
        Assert.Equal(TestServer.RandomLength, hot.Body.Length);

        string[] lines = await AccessLinesAsync(server, 4);
        Assert.Contains("/tiny.txt", lines[0]);
        Assert.Contains("strategy=copy reason=small", lines[0]);
        Assert.Contains("strategy=sendfile reason=belowthreshold", lines[1]);
        Assert.True(lines[2].Contains($"strategy={largeName} reason=largecold", StringComparison.Ordinal), lines[2]);
        Assert.Contains("strategy=sendfile reason=resident", lines[3]);

        var metrics = server.Server.Metrics;
        Assert.Equal(1, metrics.Decisions(DecisionReason.Small, TransferStrategy.Copy));
        Assert.Equal(1, metrics.Decisions(DecisionReason.BelowThreshold, TransferStrategy.Sendfile));
        Assert.Equal(1, metrics.Decisions(DecisionReason.LargeCold, large));
        Assert.Equal(1, metrics.Decisions(DecisionReason.Resident, TransferStrategy.Sendfile));
    }

    private static async Task<string[]> AccessLinesAsync(TestServer server, int count)
    {
        string[] lines = [];
        bool complete = await Wait.UntilAsync(
            () => (lines = server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Length >= count,
            TimeSpan.FromSeconds(5));
        Assert.True(complete, $"access log has {lines.Length} lines:\n{server.AccessLog}");
        return lines;
    }
}
