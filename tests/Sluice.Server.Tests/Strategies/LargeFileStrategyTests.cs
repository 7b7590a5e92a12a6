using CsCheck;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Strategies;

// direct (O_DIRECT) and dontcache (RWF_DONTCACHE) bodies are byte-identical to the file, for
// sizes around the alignment and for unaligned ranges, with small read buffers so that several
// reads are in flight and chunk boundaries fall everywhere.
public sealed class LargeFileStrategyTests
{
    private const int Alignment = 4096;

    public static TheoryData<StrategyOption> Strategies => new() { StrategyOption.Direct, StrategyOption.Dontcache };

    private static TestServer Start(StrategyOption strategy, bool forceFallback = false) =>
        TestServer.Start(strategy, o => o with
        {
            ReadBufferBytes = 16 * 1024,
            ReadsInFlight = 3,
            ForceFallback = forceFallback ? new HashSet<TransferStrategy> { TransferStrategy.Direct, TransferStrategy.Dontcache } : new HashSet<TransferStrategy>(),
        });

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task FilesAroundTheAlignmentArriveIntact(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        foreach (int size in new[] { 0, 1, Alignment - 1, Alignment, Alignment + 1, (16 * 1024) + 1, (5 * 16 * 1024) - 7 })
        {
            string name = $"size-{size}.bin";
            Fixtures.WriteRandomFile(server.PathOf(name), size, seed: size);
            RawResponse response = await server.GetAsync("/" + name);
            Assert.Equal(200, response.Status);
            Assert.Equal(size, response.ContentLength);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(name)), Fixtures.Sha256(response.Body));
        }

        Assert.Contains($"strategy={strategy.ToString().ToLowerInvariant()}", server.AccessLog);
        Assert.DoesNotContain("falling back", server.DiagnosticsLog);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task WholeFilesArriveIntact(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        foreach (string name in new[] { "random.bin", "blocks.bin" })
        {
            RawResponse response = await server.GetAsync("/" + name);
            Assert.Equal(200, response.Status);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(name)), Fixtures.Sha256(response.Body));
        }
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task RandomUnalignedRangesMatchSlicesOfTheFile(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        string path = server.PathOf("blocks.bin");
        long length = TestServer.BlocksLength;
        await Gen.Select(Gen.Long[0, length - 1], Gen.Long[1, 100_000]).SampleAsync(
            async c =>
            {
                long first = c.Item1;
                long last = Math.Min(length - 1, first + c.Item2 - 1);
                RawResponse response = await server.GetAsync("/blocks.bin", $"Range: bytes={first}-{last}\r\n");
                Assert.True(response.Status == 206, response.ToString());
                Assert.Equal($"bytes {first}-{last}/{length}", response.Header("Content-Range"));
                Fixtures.AssertBytes(Fixtures.Slice(path, first, last - first + 1), response.Body, $"bytes={first}-{last}");
            },
            iter: 40);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task TheEndOfFileTailAndTheSparseFileBeyond4GiB(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        string blocks = server.PathOf("blocks.bin");
        RawResponse tail = await server.GetAsync("/blocks.bin", "Range: bytes=-5\r\n");
        Fixtures.AssertBytes(Fixtures.Slice(blocks, TestServer.BlocksLength - 5, 5), tail.Body, "last 5 bytes");

        string sparse = server.PathOf("sparse.bin");
        long from = Fixtures.SparseMarkerOffset - 100;
        RawResponse across = await server.GetAsync("/sparse.bin", $"Range: bytes={from}-{from + 299}\r\n");
        Assert.Equal(206, across.Status);
        Fixtures.AssertBytes(Fixtures.Slice(sparse, from, 300), across.Body, "range across 4 GiB");

        RawResponse end = await server.GetAsync("/sparse.bin", "Range: bytes=-33\r\n");
        Fixtures.AssertBytes(Fixtures.Slice(sparse, Fixtures.SparseLength - 33, 33), end.Body, "end of the sparse file");
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task ForcedFallbackStillServesCorrectBytesAndLogsOnce(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy, forceFallback: true);
        for (int i = 0; i < 3; i++)
        {
            RawResponse response = await server.GetAsync("/random.bin", "Range: bytes=1000-200000\r\n");
            Assert.Equal(206, response.Status);
            Fixtures.AssertBytes(Fixtures.Slice(server.PathOf("random.bin"), 1000, 199_001), response.Body, "fallback range");
        }

        // The log is written by a background thread: wait for the line before counting it.
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("falling back to buffered reads", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        string log = server.DiagnosticsLog;
        int first = log.IndexOf("falling back to buffered reads", StringComparison.Ordinal);
        Assert.True(first >= 0, log);
        Assert.Equal(-1, log.IndexOf("falling back to buffered reads", first + 1, StringComparison.Ordinal));
        TransferStrategy mechanism = strategy == StrategyOption.Direct ? TransferStrategy.Direct : TransferStrategy.Dontcache;
        // The fallback's reads are buffered's, not the refused strategy's.
        Assert.True(server.Server.Metrics.For(TransferStrategy.Buffered).Syscalls(Transfer.SyscallKind.Pread) > 0, "the fallback issued no pread");
        Assert.Equal(0, server.Server.Metrics.For(mechanism).Syscalls(Transfer.SyscallKind.Pread));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task ATransferLeavesTheColdFileOutOfThePageCache(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        string path = server.PathOf("random.bin");
        PageCache.FlushAndEvict(path);
        Assert.True(PageCache.ResidentFraction(path) < 0.05, "eviction did not work");

        RawResponse response = await server.GetAsync("/random.bin");
        Assert.Equal(Fixtures.Sha256OfFile(path), Fixtures.Sha256(response.Body));
        PageCache.FlushAndEvict(path); // the checksum above read the file itself
        response = await server.GetAsync("/random.bin");
        Assert.Equal(200, response.Status);

        double resident = PageCache.ResidentFraction(path);
        Assert.True(resident < 0.05, $"{strategy} left {resident:P0} of the file in the page cache");
    }

    [Fact]
    public async Task SendfileReadsThroughThePageCache()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("random.bin");
        PageCache.FlushAndEvict(path);
        RawResponse response = await server.GetAsync("/random.bin");
        Assert.Equal(TestServer.RandomLength, response.Body.Length);
        double resident = PageCache.ResidentFraction(path);
        Assert.True(resident > 0.95, $"sendfile left only {resident:P0} resident");
    }
}
