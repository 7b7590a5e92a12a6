using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Server.Disk;
using Sluice.Server.Receive;

namespace Sluice.Server.Tests.Receive;

// The policy's decision maps to the mechanism that carries it out: out of the cache (dontcache, or
// splice with drop-behind where refused) exactly for large bodies, and the connection's Buffered mechanism for TLS and chunked bodies.
public sealed class ReceiveMechanismsTests
{
    private const long Threshold = 4L * 1024 * 1024;

    [Fact]
    public void PicksTheMechanismTheDecisionNames()
    {
        using var disk = new ThreadDiskEngine(1, "receive-pick-test");
        using var buffers = new AlignedBufferPool(1024 * 1024, 4096, maxBuffers: 2);
        var buffered = new BufferedStub();
        var capabilities = new FilesystemCapabilities(new ReceiveRig.RecordingLog(), static _ => "test");
        var mechanisms = new ReceiveMechanisms(new ReceivePolicyOptions { DirectThreshold = Threshold }, disk, buffers, capabilities, buffered);

        var small = Assert.IsType<SpliceReceive>(mechanisms.Pick(Threshold - 1, isTls: false));
        Assert.False(small.DropBehind);
        Assert.IsType<OutOfCacheReceive>(mechanisms.Pick(Threshold, isTls: false));
        var spliceLarge = new ReceiveMechanisms(new ReceivePolicyOptions { DirectThreshold = Threshold, LargeStrategy = ReceiveStrategy.Splice }, disk, buffers, capabilities, buffered);
        var large = Assert.IsType<SpliceReceive>(spliceLarge.Pick(Threshold, isTls: false));
        Assert.True(large.DropBehind);
        Assert.Same(buffered, mechanisms.Pick(Threshold, isTls: true));
        Assert.Same(buffered, mechanisms.Pick(null, isTls: false));

        var forced = new ReceiveMechanisms(new ReceivePolicyOptions { Option = ReceiveStrategyOption.Direct }, disk, buffers, capabilities, buffered);
        Assert.IsType<DirectReceive>(forced.Pick(1, isTls: false));
        var dontcache = new ReceiveMechanisms(new ReceivePolicyOptions { Option = ReceiveStrategyOption.Dontcache }, disk, buffers, capabilities, buffered);
        Assert.IsType<DontcacheReceive>(dontcache.Pick(1, isTls: false));
    }

    private sealed class BufferedStub : IReceiveMechanism
    {
        public ReceiveStrategy Strategy => ReceiveStrategy.Buffered;

        public ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job) => throw new NotSupportedException("not called by these tests");
    }
}
