using Sluice.Core.Policy;
using Sluice.Server.Planning;

namespace Sluice.Server.Tests.Planning;

// The planner's choices without a file: which strategy, whether residency is measured (and how
// often), what the mover is told about it, and when fadvise is asked for.
public sealed class TransferPlannerTests
{
    private const long Copy = 128 * 1024;
    private const long Direct = 8L * 1024 * 1024;

    private struct FakeProbe(double? answer) : IResidencyProbe
    {
        public int Calls;

        public double? Measure(long offset, long length)
        {
            Calls++;
            return answer;
        }
    }

    private static (TransferPlan Plan, int Probes) Decide(StrategyOption option, long length, double? resident, bool tls = false, bool canSendfile = true)
    {
        var policy = new TransferPolicyOptions { Option = option, CopyThreshold = Copy, DirectThreshold = Direct };
        var probe = new FakeProbe(resident);
        TransferPlan plan = TransferPlanner.Decide(policy, length, 0, length, tls, canSendfile, ref probe);
        return (plan, probe.Calls);
    }

    [Theory]
    [InlineData(4096L)]
    [InlineData(Copy)]
    public void SmallAutoBodiesGoByCopyWithoutMeasuringResidency(long length)
    {
        (TransferPlan plan, int probes) = Decide(StrategyOption.Auto, length, 0.0);

        Assert.Equal(TransferStrategy.Copy, plan.Decision.Strategy);
        Assert.Equal(0, probes);
        Assert.Equal(BodyResidency.Unknown, plan.Residency);
        Assert.False(plan.PopulateNeeded);
    }

    [Theory]
    [InlineData(1.0, BodyResidency.Complete, false)]
    [InlineData(0.9, BodyResidency.Partial, true)]
    [InlineData(null, BodyResidency.Partial, true)]
    public void MediumSendfileBodiesAreMeasuredOnceAndPopulatedUnlessFullyResident(double? resident, BodyResidency expected, bool populate)
    {
        (TransferPlan plan, int probes) = Decide(StrategyOption.Auto, 1024 * 1024, resident);

        Assert.Equal(TransferStrategy.Sendfile, plan.Decision.Strategy);
        Assert.Equal(1, probes);
        Assert.Equal(expected, plan.Residency);
        Assert.Equal(populate, plan.PopulateNeeded);
        Assert.False(plan.AdviseSequential);
    }

    [Fact]
    public void LargeResidentBodiesGoBySendfileWithOneMeasurementAndSequentialAdvice()
    {
        (TransferPlan plan, int probes) = Decide(StrategyOption.Auto, 64L * 1024 * 1024, 1.0);

        Assert.Equal(new TransferDecision(TransferStrategy.Sendfile, DecisionReason.Resident), plan.Decision);
        Assert.Equal(1, probes);
        Assert.Equal(BodyResidency.Complete, plan.Residency);
        Assert.True(plan.AdviseSequential);
    }

    [Fact]
    public void LargeColdBodiesBypassTheCacheAndNeedNoPopulate()
    {
        (TransferPlan plan, int probes) = Decide(StrategyOption.Auto, 64L * 1024 * 1024, 0.2);

        Assert.Equal(TransferStrategy.Direct, plan.Decision.Strategy);
        Assert.Equal(1, probes);
        Assert.False(plan.PopulateNeeded);
        Assert.False(plan.AdviseSequential);
    }

    [Theory]
    [InlineData(StrategyOption.Copy)]
    [InlineData(StrategyOption.Buffered)]
    [InlineData(StrategyOption.Direct)]
    [InlineData(StrategyOption.Dontcache)]
    public void StrategiesThatReadThroughTheEngineOrNowaitNeverMeasure(StrategyOption option)
    {
        (TransferPlan plan, int probes) = Decide(option, 64L * 1024 * 1024, 0.0);

        Assert.Equal(0, probes);
        Assert.Equal(BodyResidency.Unknown, plan.Residency);
    }

    [Fact]
    public void ForcedSendfileMeasuresEvenTinyBodiesSoTheMoverKnowsWhetherToCheck()
    {
        (TransferPlan plan, int probes) = Decide(StrategyOption.Sendfile, 4096, 0.0);

        Assert.Equal(TransferStrategy.Sendfile, plan.Decision.Strategy);
        Assert.Equal(1, probes);
        Assert.True(plan.PopulateNeeded);
    }

    [Theory]
    [InlineData(StrategyOption.Auto, 1024 * 1024, null, TransferStrategy.Copy, 0)]
    [InlineData(StrategyOption.Auto, 64L * 1024 * 1024, 1.0, TransferStrategy.Copy, 1)]
    [InlineData(StrategyOption.Auto, 64L * 1024 * 1024, 0.0, TransferStrategy.Direct, 1)]
    [InlineData(StrategyOption.Sendfile, 4096, null, TransferStrategy.Copy, 0)]
    [InlineData(StrategyOption.Sendfile, 64L * 1024 * 1024, 0.0, TransferStrategy.Direct, 1)]
    public void TlsGoesByTheReadPathsAndSaysSo(StrategyOption option, long length, double? resident, TransferStrategy expected, int expectedProbes)
    {
        (TransferPlan plan, int probes) = Decide(option, length, resident, tls: true, canSendfile: false);

        Assert.Equal(new TransferDecision(expected, DecisionReason.Tls), plan.Decision);
        Assert.Equal(expectedProbes, probes);
        Assert.False(plan.AdviseSequential);
    }

    [Theory]
    [InlineData(StrategyOption.Auto, 1024 * 1024, 0.0, TransferStrategy.Copy, DecisionReason.BelowThreshold)]
    [InlineData(StrategyOption.Auto, 64L * 1024 * 1024, 1.0, TransferStrategy.Copy, DecisionReason.Resident)]
    [InlineData(StrategyOption.Auto, 64L * 1024 * 1024, 0.0, TransferStrategy.Direct, DecisionReason.LargeCold)]
    [InlineData(StrategyOption.Sendfile, 4096, 1.0, TransferStrategy.Copy, DecisionReason.Forced)]
    [InlineData(StrategyOption.Sendfile, 64L * 1024 * 1024, 1.0, TransferStrategy.Direct, DecisionReason.Forced)]
    public void TransportWithoutSendfileNeverGetsSendfile(StrategyOption option, long length, double resident, TransferStrategy expected, DecisionReason reason)
    {
        (TransferPlan plan, _) = Decide(option, length, resident, canSendfile: false);

        Assert.Equal(new TransferDecision(expected, reason), plan.Decision);
        Assert.False(plan.PopulateNeeded);
    }
}
