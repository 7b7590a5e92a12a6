using Sluice.Server.Disk;

namespace Sluice.Server.Tests.Disk;

// Upload writes go through RunDataAsync: the data queue, so a write that waits on the disk never
// holds up the open or statx (RunAsync) a request is waiting for, and never runs on the thread
// kept for metadata.
public sealed class DiskEngineDataQueueTests
{
    [Fact]
    public async Task DataWorkWaitsBehindDataWorkWhileMetadataGoesAhead()
    {
        using var engine = new ThreadDiskEngine(1, "data-queue-test");
        using var gate = new ManualResetEventSlim();
        Task<int> blocking = engine.RunDataAsync(static g => { g.Wait(); return 1; }, gate);
        Task<int> queuedData = engine.RunDataAsync(static _ => 2, 0);
        Task<int> metadata = engine.RunAsync(static _ => 3, 0);

        Assert.Equal(3, await metadata.WaitAsync(TimeSpan.FromSeconds(30)));
        // Had the data work been queued as metadata, the metadata thread would have run it before
        // the metadata call (one FIFO).
        Assert.False(queuedData.IsCompleted, "data work ran on the metadata thread");

        gate.Set();
        Assert.Equal(1, await blocking.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, await queuedData.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
