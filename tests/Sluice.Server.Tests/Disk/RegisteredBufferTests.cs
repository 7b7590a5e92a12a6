using Sluice.Core.Policy;
using Sluice.Server.Configuration;
using Sluice.Server.Disk;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Disk;

// The read-buffer arena registered with the ring (IORING_REGISTER_BUFFERS) and read into by
// READ_FIXED, and the path where the registration is capped to nothing (as a low
// RLIMIT_MEMLOCK would leave it): unregistered reads, same bytes.
public sealed class RegisteredBufferTests
{
    private static TestServer Start(long registeredCap) =>
        TestServer.Start(StrategyOption.Direct, o => o with
        {
            IoEngine = IoEngineOption.IoUring,
            ReadBufferBytes = 64 * 1024,
            ReadsInFlight = 3,
            IoUringRegisteredBytesCap = registeredCap,
        });

    [Fact]
    public async Task DirectReadsGoIntoTheRegisteredArena()
    {
        await using TestServer server = Start(registeredCap: 1024 * 1024);
        var engine = (IoUringDiskEngine)server.Server.DiskEngine;
        Assert.Equal(16, engine.RegisteredBuffers); // 1 MiB cap / 64 KiB buffers
        RawResponse response = await server.GetAsync("/random.bin");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        Assert.True(engine.FixedSubmissions > 0, "no READ_FIXED submission");
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("registered buffers 16)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WithNoRegistrationReadsAreUnregisteredAndIntact()
    {
        await using TestServer server = Start(registeredCap: 0);
        var engine = (IoUringDiskEngine)server.Server.DiskEngine;
        Assert.Equal(0, engine.RegisteredBuffers);
        RawResponse response = await server.GetAsync("/random.bin");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        Assert.Equal(0, engine.FixedSubmissions);
        Assert.True(engine.Counters.Submissions > 0, "the reads did not go through the ring");
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("registered buffers 0)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }
}
