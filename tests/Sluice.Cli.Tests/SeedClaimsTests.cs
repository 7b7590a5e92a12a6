using Sluice.Cli.Bench;

namespace Sluice.Cli.Tests;

// The verdicts on given measurements: what each claim needs, and how a spread that straddles
// the claim's threshold is judged.
public sealed class SeedClaimsTests
{
    private const long Size = 320L << 20;
    private const long Chunks = Size / SeedClaims.BufferedChunkBytes;

    [Fact]
    public void WithoutStraceTheCallClaimsAreUncheckedEvenWhenTheCountersMatchTheModel()
    {
        // The loop's own counters agree with the model exactly: that proves nothing.
        BenchSummary buffered = Row("buffered", "warm", dataPathCalls: [2 * Chunks, 2 * Chunks, 2 * Chunks]);
        BenchSummary sendfile = Row("sendfile", "warm", dataPathCalls: [200, 210, 190]);

        List<ClaimVerdict> verdicts = SeedClaims.Evaluate([buffered, sendfile], Size);

        Assert.Equal(ClaimOutcome.NotChecked, Single(verdicts, "buffered-calls").Outcome);
        Assert.Equal(ClaimOutcome.NotChecked, Single(verdicts, "sendfile-calls").Outcome);
        Assert.Contains("--strace", Single(verdicts, "buffered-calls").Text, StringComparison.Ordinal);
        Assert.DoesNotContain(verdicts, v => v.Claim == "counters");
    }

    [Fact]
    public void BufferedHoldsWhenStraceSeesAReadAndASendPerChunk()
    {
        BenchSummary buffered = Traced("buffered", "warm", Calls(("pread64", Chunks), ("sendto", Chunks + 6), ("futex", 900)));

        Assert.Equal(ClaimOutcome.Holds, Single(SeedClaims.Evaluate([buffered], Size), "buffered-calls").Outcome);
    }

    [Fact]
    public void BufferedDiffersWhenStraceSeesFarMoreCallsThanTheModel()
    {
        // E.g. a loop that sends each chunk in 4 pieces.
        BenchSummary buffered = Traced("buffered", "warm", Calls(("pread64", Chunks), ("sendto", 4 * Chunks)));

        Assert.Equal(ClaimOutcome.Differs, Single(SeedClaims.Evaluate([buffered], Size), "buffered-calls").Outcome);
    }

    [Fact]
    public void SendfileCallRatioIsJudgedOnItsWholeRange()
    {
        BenchSummary buffered = Traced("buffered", "warm", Calls(("pread64", Chunks), ("sendto", Chunks)));

        // 20,480 / 1,500–2,500 = 8–14×: straddles 10×.
        BenchSummary straddling = Row("sendfile", "warm", strace: [Calls(("sendfile", 1500)), Calls(("sendfile", 2000)), Calls(("sendfile", 2500))]);
        // 20,480 / 200–300 ≥ 68× in every round.
        BenchSummary clear = Row("sendfile", "warm", strace: [Calls(("sendfile", 200)), Calls(("sendfile", 300))]);
        // 20,480 / 4,000–5,000 ≤ 5×.
        BenchSummary many = Row("sendfile", "warm", strace: [Calls(("sendfile", 4000)), Calls(("sendfile", 5000))]);

        Assert.Equal(ClaimOutcome.Unresolved, Single(SeedClaims.Evaluate([buffered, straddling], Size), "sendfile-calls").Outcome);
        Assert.Equal(ClaimOutcome.Holds, Single(SeedClaims.Evaluate([buffered, clear], Size), "sendfile-calls").Outcome);
        Assert.Equal(ClaimOutcome.Differs, Single(SeedClaims.Evaluate([buffered, many], Size), "sendfile-calls").Outcome);
    }

    [Theory]
    [InlineData(new double[] { 300, 320, 340 }, "Holds")]
    [InlineData(new double[] { 300, 450, 520 }, "Unresolved")]
    [InlineData(new double[] { 600, 650, 700 }, "Differs")]
    public void SendfileCpuIsJudgedOnOverlappingSpreads(double[] sendfileCpu, string expected)
    {
        BenchSummary buffered = Row("buffered", "cold", cpuMsPerGiB: [480, 500, 550]);
        BenchSummary sendfile = Row("sendfile", "cold", cpuMsPerGiB: sendfileCpu);

        Assert.Equal(Enum.Parse<ClaimOutcome>(expected), Single(SeedClaims.Evaluate([buffered, sendfile], Size), "sendfile-cpu").Outcome);
    }

    [Theory]
    [InlineData(new double[] { 0, 0.1, 0 }, new double[] { 0, 0, 0.001 }, "Holds")]
    [InlineData(new double[] { 0, 320, 0 }, new double[] { 0, 1, 0 }, "Unresolved")]
    [InlineData(new double[] { 320, 320, 300 }, new double[] { 1, 1, 0.94 }, "Differs")]
    public void BypassingTheCacheIsJudgedOnTheFilesOwnPages(double[] fileCacheMiB, double[] residencyAfter, string expected)
    {
        BenchSummary direct = Row("direct", "cold", fileCacheMiB: fileCacheMiB, residencyAfter: residencyAfter);

        Assert.Equal(Enum.Parse<ClaimOutcome>(expected), Single(SeedClaims.Evaluate([direct], Size), "page-cache").Outcome);
    }

    [Fact]
    public void NoColdBypassRunLeavesThePageCacheClaimUnchecked()
    {
        BenchSummary direct = Row("direct", "warm", fileCacheMiB: [0], residencyAfter: [1]);

        Assert.Equal(ClaimOutcome.NotChecked, Single(SeedClaims.Evaluate([direct], Size), "page-cache").Outcome);
    }

    [Fact]
    public void CountersDifferWhenStraceSeesMoreDataPathCallsThanTheServerCounted()
    {
        BenchSummary agreeing = Traced("sendfile", "warm", Calls(("sendfile", 180), ("epoll_ctl", 2), ("futex", 50)), tracedCounters: 181);
        BenchSummary undercounting = Traced("buffered", "warm", Calls(("pread64", Chunks), ("sendto", Chunks)), tracedCounters: Chunks);

        List<ClaimVerdict> verdicts = SeedClaims.Evaluate([agreeing, undercounting], Size);

        Assert.Equal([ClaimOutcome.Holds, ClaimOutcome.Differs], verdicts.Where(v => v.Claim == "counters").Select(v => v.Outcome));
    }

    private static ClaimVerdict Single(List<ClaimVerdict> verdicts, string claim) => Assert.Single(verdicts, v => v.Claim == claim);

    private static Dictionary<string, long> Calls(params (string Name, long Count)[] calls) => calls.ToDictionary(c => c.Name, c => c.Count);

    // A summary made from runs with the given figures (one run per value; the rest neutral).
    private static BenchSummary Row(
        string strategy, string cache, long[]? dataPathCalls = null, double[]? cpuMsPerGiB = null, double[]? fileCacheMiB = null,
        double[]? residencyAfter = null, Dictionary<string, long>[]? strace = null, long? tracedCounters = null)
    {
        int rounds = new[] { dataPathCalls?.Length, cpuMsPerGiB?.Length, fileCacheMiB?.Length, residencyAfter?.Length, strace?.Length }.Max() ?? 1;
        var runs = new List<BenchResult>();
        for (int i = 0; i < rounds; i++)
        {
            Dictionary<string, long>? traced = strace?[i];
            runs.Add(new BenchResult
            {
                Strategy = strategy,
                Cache = cache,
                Round = i + 1,
                Bytes = Size,
                DataPathCalls = dataPathCalls?[i] ?? 0,
                CpuMsPerGiB = cpuMsPerGiB?[i] ?? 500,
                MachineCpuMsPerGiB = 700,
                FileCacheMiB = fileCacheMiB?[i] ?? 0,
                ResidencyAfter = residencyAfter?[i] ?? 1,
                StraceByCall = traced,
                StraceCalls = traced?.Values.Sum(),
                StraceDataPathCalls = traced?.Where(c => StraceCounter.DataPathCalls.Contains(c.Key)).Sum(c => c.Value),
                TracedCounterCalls = traced is null ? null : tracedCounters ?? traced.Where(c => StraceCounter.DataPathCalls.Contains(c.Key)).Sum(c => c.Value),
            });
        }

        return BenchSummary.Of(runs);
    }

    private static BenchSummary Traced(string strategy, string cache, Dictionary<string, long> strace, long? tracedCounters = null) =>
        Row(strategy, cache, strace: [strace], tracedCounters: tracedCounters);
}
