using CsCheck;
using Sluice.Core.Policy;
using Sluice.Server.Configuration;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Disk;

// Both disk engines serve bodies equal to the file, for every strategy: whole files, random
// unaligned ranges, the end-of-file tail and a sparse file beyond 4 GiB. Small read buffers put
// several reads in flight with chunk boundaries everywhere.
public sealed class DiskEngineBodyTests
{
    public static TheoryData<StrategyOption, IoEngineOption> Cases
    {
        get
        {
            var cases = new TheoryData<StrategyOption, IoEngineOption>();
            foreach (IoEngineOption engine in new[] { IoEngineOption.IoUring, IoEngineOption.Threads })
            {
                foreach (StrategyOption strategy in new[] { StrategyOption.Direct, StrategyOption.Dontcache, StrategyOption.Copy, StrategyOption.Buffered, StrategyOption.Sendfile })
                {
                    cases.Add(strategy, engine);
                }
            }

            return cases;
        }
    }

    private static TestServer Start(StrategyOption strategy, IoEngineOption engine) =>
        TestServer.Start(strategy, o => o with { IoEngine = engine, ReadBufferBytes = 16 * 1024, ReadsInFlight = 3 });

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BodiesMatchTheFileWithEitherEngine(StrategyOption strategy, IoEngineOption engine)
    {
        await using TestServer server = Start(strategy, engine);
        string expectedEngine = engine == IoEngineOption.IoUring ? "io_uring" : "threads";
        Assert.Equal(expectedEngine, server.Server.DiskEngine.Name);

        foreach (string name in new[] { "random.bin", "blocks.bin" })
        {
            RawResponse whole = await server.GetAsync("/" + name);
            Assert.Equal(200, whole.Status);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(name)), Fixtures.Sha256(whole.Body));
        }

        string blocks = server.PathOf("blocks.bin");
        long length = TestServer.BlocksLength;
        await Gen.Select(Gen.Long[0, length - 1], Gen.Long[1, 100_000]).SampleAsync(
            async c =>
            {
                long first = c.Item1;
                long last = Math.Min(length - 1, first + c.Item2 - 1);
                RawResponse response = await server.GetAsync("/blocks.bin", $"Range: bytes={first}-{last}\r\n");
                Assert.True(response.Status == 206, response.ToString());
                Fixtures.AssertBytes(Fixtures.Slice(blocks, first, last - first + 1), response.Body, $"bytes={first}-{last}");
            },
            iter: 15);

        RawResponse tail = await server.GetAsync("/blocks.bin", "Range: bytes=-5\r\n");
        Fixtures.AssertBytes(Fixtures.Slice(blocks, length - 5, 5), tail.Body, "last 5 bytes");

        string sparse = server.PathOf("sparse.bin");
        long from = Fixtures.SparseMarkerOffset - 100;
        RawResponse across = await server.GetAsync("/sparse.bin", $"Range: bytes={from}-{from + 299}\r\n");
        Assert.Equal(206, across.Status);
        Fixtures.AssertBytes(Fixtures.Slice(sparse, from, 300), across.Body, "range across 4 GiB");
        RawResponse end = await server.GetAsync("/sparse.bin", "Range: bytes=-33\r\n");
        Fixtures.AssertBytes(Fixtures.Slice(sparse, Fixtures.SparseLength - 33, 33), end.Body, "end of the sparse file");

        string metrics = PrometheusWriter.Render(server.Server.Metrics, server.Server.OpenFiles, 0);
        Assert.Contains($"sluice_disk_engine_info{{engine=\"{expectedEngine}\"}} 1", metrics);
        // direct and dontcache read through the engine today (copy and buffered read inline until
        // the page-cache-miss routing lands; sendfile's populate runs on the helper threads), so a
        // silent fallback from io_uring to threads fails here.
        if (strategy is StrategyOption.Direct or StrategyOption.Dontcache)
        {
            Assert.True(server.Server.Metrics.DiskEngine!.Submissions > 0, metrics);
            Assert.Equal(server.Server.Metrics.DiskEngine.Submissions, server.Server.Metrics.DiskEngine.Completions);
        }
    }

    [Fact]
    public async Task ARefusedRingFallsBackToThreadsAndSaysSoOnce()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Direct, o => o with { SimulateIoUringRefused = true });
        Assert.Equal("threads", server.Server.DiskEngine.Name);
        RawResponse response = await server.GetAsync("/random.bin");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));

        const string Line = "disk engine: threads (io_uring refused: EPERM, simulated)";
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains(Line, StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        string log = server.DiagnosticsLog;
        int first = log.IndexOf(Line, StringComparison.Ordinal);
        Assert.True(first >= 0, log);
        Assert.Equal(-1, log.IndexOf("disk engine:", first + 1, StringComparison.Ordinal));
        string metrics = PrometheusWriter.Render(server.Server.Metrics, server.Server.OpenFiles, 0);
        Assert.Contains("sluice_disk_engine_info{engine=\"threads\"} 1", metrics);
    }

    [Fact]
    public void ARefusedRingFailsTheStartWhenIoUringIsRequired()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => TestServer.Start(StrategyOption.Direct, o => o with { IoEngine = IoEngineOption.IoUring, SimulateIoUringRefused = true }));
        Assert.Contains("io_uring refused: EPERM", error.Message);
    }

    [Fact]
    public async Task AutoPicksIoUringWhereTheKernelAllowsIt()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Direct);
        Assert.Equal("io_uring", server.Server.DiskEngine.Name);
    }
}
