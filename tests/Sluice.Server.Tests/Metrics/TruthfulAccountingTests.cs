using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tests.Strategies;
using Sluice.Server.Transfer;

namespace Sluice.Server.Tests.Metrics;

// The access log and /metrics credit bytes and calls to the strategy that moved them: a fallback
// is counted under the strategy that did the work, labelled with why, while the decision is
// still counted as decided; copy and buffered are never confused.
[Collection(SerialCollection.Name)]
public sealed class TruthfulAccountingTests
{
    private const int ChunkBytes = 32 * 1024;

    [Fact]
    public async Task AForcedDirectFallbackIsCountedUnderBufferedWithItsReason()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Direct, o => o with
        {
            BufferedChunkBytes = ChunkBytes,
            ForceFallback = new HashSet<TransferStrategy> { TransferStrategy.Direct },
        });
        const int first = 1000, length = 199_001;
        for (int i = 0; i < 2; i++)
        {
            RawResponse response = await server.GetAsync("/random.bin", $"Range: bytes={first}-{first + length - 1}\r\n");
            Fixtures.AssertBytes(Fixtures.Slice(server.PathOf("random.bin"), first, length), response.Body, "fallback range");
        }

        List<string> lines = await FilesystemCapabilityTests.AccessLinesAsync(server, "/random.bin", 2);
        Assert.All(lines, line => Assert.Contains(" strategy=buffered reason=fallback:kernel-refused(direct) outcome=completed ", line));
        long sent = lines.Sum(BytesOf);

        TransferMetrics metrics = server.Server.Metrics;
        MechanismCounters direct = metrics.For(TransferStrategy.Direct);
        MechanismCounters buffered = metrics.For(TransferStrategy.Buffered);
        Assert.Equal(2, metrics.Decisions(DecisionReason.Forced, TransferStrategy.Direct));
        Assert.Equal(0, direct.Responses);
        Assert.Equal(0, direct.BytesSent);
        Assert.Equal(0, direct.BytesReadFromDisk);
        Assert.Equal(2, buffered.Responses);
        Assert.Equal(sent, buffered.BytesSent);
        Assert.Equal(2L * length, buffered.BytesReadFromDisk);
        Assert.Equal(2L * ((length + ChunkBytes - 1) / ChunkBytes), buffered.Syscalls(SyscallKind.Pread));
        Assert.Equal(2, metrics.Fallbacks(TransferStrategy.Direct, TransferFallback.KernelRefused));
        Assert.Equal(sent, metrics.FallbackBytesSent(TransferStrategy.Direct, TransferStrategy.Buffered, TransferFallback.KernelRefused));

        string text = Sluice.Server.Metrics.PrometheusWriter.Render(metrics, server.Server.OpenFiles, 0);
        Assert.Contains("\nsluice_responses_total{strategy=\"direct\"} 0\n", text);
        Assert.Contains("\nsluice_responses_total{strategy=\"buffered\"} 2\n", text);
        Assert.Contains($"\nsluice_fallback_bytes_sent_total{{strategy=\"buffered\",decided=\"direct\",reason=\"kernel-refused\"}} {sent}\n", text);
        Assert.Contains("\nsluice_decisions_total{strategy=\"direct\",reason=\"forced\"} 2\n", text);
        Assert.Contains("\nsluice_file_responses_total 2\n", text);
    }

    // Every aligned buffer is held by the test, so the body goes by the budget-free path: heap-
    // buffer reads with RWF_DONTCACHE, which are dontcache's bytes whatever was decided.
    [Theory]
    [InlineData(StrategyOption.Direct)]
    [InlineData(StrategyOption.Dontcache)]
    public async Task ABudgetFallbackIsCountedUnderTheReadsThatMovedTheBody(StrategyOption strategy)
    {
        TransferStrategy decided = strategy == StrategyOption.Direct ? TransferStrategy.Direct : TransferStrategy.Dontcache;
        await using TestServer server = TestServer.Start(strategy, o => o with
        {
            BufferedChunkBytes = ChunkBytes,
            ReadBufferBytes = 64 * 1024,
            ReadsInFlight = 2,
            ReadBufferBudgetBytes = 4 * 64 * 1024,
        });
        AlignedBufferPool pool = server.Server.ReadBuffers;
        var held = new List<AlignedBuffer>();
        while (pool.TryRent(out AlignedBuffer? buffer))
        {
            held.Add(buffer);
        }

        try
        {
            RawResponse response = await server.GetAsync("/random.bin");
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        }
        finally
        {
            held.ForEach(pool.Return);
        }

        string line = Assert.Single(await FilesystemCapabilityTests.AccessLinesAsync(server, "/random.bin", 1));
        string name = decided.ToString().ToLowerInvariant();
        Assert.Contains($" strategy=dontcache reason=fallback:buffer-budget({name}) outcome=completed ", line);

        TransferMetrics metrics = server.Server.Metrics;
        MechanismCounters dontcache = metrics.For(TransferStrategy.Dontcache);
        long head = BytesOf(line) - TestServer.RandomLength;
        Assert.Equal(1, dontcache.Responses);
        Assert.Equal(TestServer.RandomLength, dontcache.BytesReadFromDisk);
        Assert.Equal((TestServer.RandomLength + ChunkBytes - 1) / ChunkBytes, dontcache.Syscalls(SyscallKind.Preadv2));
        Assert.Equal(1, metrics.Fallbacks(decided, TransferFallback.BufferBudget));
        Assert.Equal(TestServer.RandomLength, metrics.FallbackBytesSent(decided, TransferStrategy.Dontcache, TransferFallback.BufferBudget));
        Assert.Equal(0, metrics.For(TransferStrategy.Buffered).Responses);
        if (decided == TransferStrategy.Direct)
        {
            // direct sent the head before it found no buffer, and read nothing.
            MechanismCounters direct = metrics.For(TransferStrategy.Direct);
            Assert.Equal(0, direct.Responses);
            Assert.Equal(head, direct.BytesSent);
            Assert.Equal(0, direct.BytesReadFromDisk);
            Assert.Equal(TestServer.RandomLength, dontcache.BytesSent);
        }
        else
        {
            Assert.Equal(head + TestServer.RandomLength, dontcache.BytesSent);
        }
    }

    [Theory]
    [InlineData(StrategyOption.Copy, "copy")]
    [InlineData(StrategyOption.Buffered, "buffered")]
    public async Task CopyAndBufferedKeepTheirOwnLabels(StrategyOption strategy, string label)
    {
        await using TestServer server = TestServer.Start(strategy);
        RawResponse response = await server.GetAsync("/tiny.txt");
        Assert.Equal(TestServer.TinyText, response.BodyText);

        string line = Assert.Single(await FilesystemCapabilityTests.AccessLinesAsync(server, "/tiny.txt", 1));
        Assert.Contains($" strategy={label} reason=forced outcome=completed ", line);
        TransferMetrics metrics = server.Server.Metrics;
        TransferStrategy other = strategy == StrategyOption.Copy ? TransferStrategy.Buffered : TransferStrategy.Copy;
        TransferStrategy own = strategy == StrategyOption.Copy ? TransferStrategy.Copy : TransferStrategy.Buffered;
        Assert.Equal(1, metrics.For(own).Responses);
        Assert.Equal(BytesOf(line), metrics.For(own).BytesSent);
        Assert.Equal(TestServer.TinyText.Length, metrics.For(own).BytesReadFromDisk);
        Assert.Equal(0, metrics.For(other).Responses);
        Assert.Equal(0, metrics.For(other).BytesSent);
    }

    // The access log's bytes field: after the status.
    private static long BytesOf(string line)
    {
        string[] fields = line.Split(' ');
        int status = Array.FindIndex(fields, f => f.EndsWith("HTTP/1.1\"", StringComparison.Ordinal));
        return long.Parse(fields[status + 2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
