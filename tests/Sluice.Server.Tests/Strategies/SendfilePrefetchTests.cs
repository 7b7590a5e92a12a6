using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Strategies;

// A medium body going by sendfile is made resident by the disk engine (sendfile into /dev/null) only when it is not
// already cached, so no event thread waits for the disk and hot files pay nothing but cachestat.
public sealed class SendfilePrefetchTests
{
    [Fact]
    public async Task ColdMediumFilesArePrefetchedAndHotOnesAreNot()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Auto, o => o with { CopyThreshold = 64 * 1024, DirectThreshold = 2 * 1024 * 1024 });
        string path = server.PathOf("blocks.bin");
        MechanismCounters sendfile = server.Server.Metrics.For(TransferStrategy.Sendfile);

        PageCache.FlushAndEvict(path);
        RawResponse cold = await server.GetAsync("/blocks.bin", "Range: bytes=100-900099\r\n");
        Assert.Equal(206, cold.Status);
        Fixtures.AssertBytes(Fixtures.Blocks(100, 900_000), cold.Body, "cold range");
        Assert.Equal(1, sendfile.Syscalls(SyscallKind.Populate));

        RawResponse hot = await server.GetAsync("/blocks.bin", "Range: bytes=100-900099\r\n");
        Fixtures.AssertBytes(Fixtures.Blocks(100, 900_000), hot.Body, "hot range");
        Assert.Equal(1, sendfile.Syscalls(SyscallKind.Populate));
        Assert.Equal(2, sendfile.Responses);
    }
}
