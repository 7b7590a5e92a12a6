using System.Diagnostics;
using Sluice.Core.Policy;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Transport;

// The whole request path over a StreamTransport (a NetworkStream over the real loopback socket,
// ServerOptions.WrapInStream), the transport TLS will use: bytes, ranges, multipart, keep-alive,
// pipelining and the send-side timeouts must behave as over the raw descriptor, and sendfile
// must never be chosen, since it cannot carry a stream.
public sealed class StreamTransportServerTests
{
    // random.bin (3 MiB + 123) is above it, blocks.bin (1 MiB + 5) below: both sides of the policy.
    private const long DirectThreshold = 2L * 1024 * 1024;

    private static TestServer Start(StrategyOption strategy, Func<Configuration.ServerOptions, Configuration.ServerOptions>? configure = null) =>
        TestServer.Start(strategy, o =>
        {
            o = o with { WrapInStream = true, DirectThreshold = DirectThreshold, CopyThreshold = 64 * 1024 };
            return configure is null ? o : configure(o);
        });

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task WholeFilesRangesAndMultipartArriveIntact(StrategyOption strategy)
    {
        await using var server = Start(strategy);
        foreach (string name in new[] { "tiny.txt", "empty.bin", "random.bin", "blocks.bin" })
        {
            RawResponse response = await server.GetAsync("/" + name);
            Assert.Equal(200, response.Status);
            Assert.Equal(new FileInfo(server.PathOf(name)).Length, response.ContentLength);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(name)), Fixtures.Sha256(response.Body));
        }

        string random = server.PathOf("random.bin");
        foreach ((long first, long last) in new[] { (0L, 0L), (1L, 70_000L), (1_000_003L, 3_000_001L), (TestServer.RandomLength - 7L, TestServer.RandomLength - 1L) })
        {
            RawResponse response = await server.GetAsync("/random.bin", $"Range: bytes={first}-{last}\r\n");
            Assert.Equal(206, response.Status);
            Assert.Equal($"bytes {first}-{last}/{TestServer.RandomLength}", response.Header("Content-Range"));
            Fixtures.AssertBytes(Fixtures.Slice(random, first, last - first + 1), response.Body, $"bytes={first}-{last}");
        }

        (long First, long Last)[] wanted = [(0, 99), (5000, 5099), (700_000, 702_047), (2_500_000, 3_100_000), (TestServer.RandomLength - 10, TestServer.RandomLength - 1)];
        RawResponse multipart = await server.GetAsync("/random.bin", "Range: bytes=" + string.Join(",", wanted.Select(r => $"{r.First}-{r.Last}")) + "\r\n");
        Assert.Equal(206, multipart.Status);
        List<BytePart> parts = Multipart.Parse(multipart.Body, Multipart.Boundary(multipart.RequireHeader("Content-Type")));
        Assert.Equal(wanted.Length, parts.Count);
        for (int i = 0; i < wanted.Length; i++)
        {
            Assert.Equal((wanted[i].First, wanted[i].Last), (parts[i].First, parts[i].Last));
            Fixtures.AssertBytes(Fixtures.Slice(random, wanted[i].First, wanted[i].Last - wanted[i].First + 1), parts[i].Bytes, $"part {i}");
        }

        // Neither decided nor moved by sendfile, whatever was asked for.
        foreach (DecisionReason reason in Enum.GetValues<DecisionReason>())
        {
            Assert.Equal(0, server.Server.Metrics.Decisions(reason, TransferStrategy.Sendfile));
        }

        Assert.Equal(0, server.Server.Metrics.For(TransferStrategy.Sendfile).Syscalls(Transfer.SyscallKind.Sendfile));
        Assert.DoesNotContain("strategy=sendfile", server.AccessLog);
    }

    [Fact]
    public async Task ForcedSendfileGoesByCopyBelowTheThresholdAndAroundTheCacheAbove()
    {
        await using var server = Start(StrategyOption.Sendfile);

        RawResponse small = await server.GetAsync("/blocks.bin");
        RawResponse large = await server.GetAsync("/random.bin");

        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("blocks.bin")), Fixtures.Sha256(small.Body));
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(large.Body));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.Forced, TransferStrategy.Copy));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.Forced, TransferStrategy.Direct));
        Assert.Matches(@"/blocks\.bin HTTP/1\.1"" 200 \d+ strategy=copy ", server.AccessLog);
        Assert.Matches(@"/random\.bin HTTP/1\.1"" 200 \d+ strategy=direct ", server.AccessLog);
    }

    [Fact]
    public async Task AutoSendsWhatSendfileWouldHaveSentByCopy()
    {
        await using var server = Start(StrategyOption.Auto);
        // Make random.bin resident: auto would send it by sendfile over a raw socket.
        _ = File.ReadAllBytes(server.PathOf("random.bin"));

        RawResponse large = await server.GetAsync("/random.bin");
        RawResponse mid = await server.GetAsync("/blocks.bin");

        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(large.Body));
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("blocks.bin")), Fixtures.Sha256(mid.Body));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.Resident, TransferStrategy.Copy));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.BelowThreshold, TransferStrategy.Copy));
    }

    [Theory]
    [InlineData(StrategyOption.Auto)]
    [InlineData(StrategyOption.Direct)]
    [InlineData(StrategyOption.Buffered)]
    public async Task KeepAliveAndPipelinedRequestsAreAnsweredInOrder(StrategyOption strategy)
    {
        await using var server = Start(strategy);
        await using RawHttpConnection connection = await server.ConnectAsync();

        await connection.SendAsync(
            "GET /blocks.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=4096-8191\r\n\r\n" +
            "GET /random.bin HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse first = await connection.ReadResponseAsync();
        RawResponse second = await connection.ReadResponseAsync();
        RawResponse third = await connection.ReadResponseAsync();

        Fixtures.AssertBytes(Fixtures.Blocks(4096, 4096), first.Body, "first response");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(second.Body));
        Assert.Equal(TestServer.TinyText, TestServer.Ascii(third.Body));

        // The same connection serves a later request (keep-alive), and a HEAD after it.
        await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /random.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(TestServer.TinyText, TestServer.Ascii((await connection.ReadResponseAsync()).Body));
        RawResponse head = await connection.ReadResponseAsync(isHead: true);
        Assert.Equal(TestServer.RandomLength, head.ContentLength);
        Assert.Empty(head.Body);
        Assert.Equal(1, server.Server.ActiveConnections);
    }

    [Theory]
    [InlineData(StrategyOption.Auto)]
    [InlineData(StrategyOption.Buffered)]
    public async Task ClientThatStopsReadingIsDroppedAfterTheSendTimeout(StrategyOption strategy)
    {
        // The minimum rate is off, so only the send timeout can drop this client.
        await using var server = Start(strategy, o => o with { SendTimeout = TimeSpan.FromSeconds(1), MinSendRate = 0 });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 64L * 1024 * 1024);
        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);
        var clock = Stopwatch.StartNew();

        bool dropped = await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(10));

        Assert.True(dropped, $"the stalled connection was still open after {clock.Elapsed}");
        Assert.Equal(1, server.Server.Counters.Timeouts(TimeoutKind.Send));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.3), $"dropped after only {clock.Elapsed}");
        Assert.Contains("outcome=timedout", server.AccessLog);
    }

    [Fact]
    public async Task TricklingReaderIsDroppedByTheMinimumSendRate()
    {
        // The send timeout (30 s) alone never fires: the reader takes a little every 100 ms.
        await using var server = Start(StrategyOption.Buffered, o => o with
        {
            SendTimeout = TimeSpan.FromSeconds(30),
            MinSendRate = 4L * 1024 * 1024,
            MinSendRateGrace = TimeSpan.FromSeconds(1),
        });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 256L * 1024 * 1024);
        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);
        var clock = Stopwatch.StartNew();

        long read = 0;
        while (server.Server.Counters.Timeouts(TimeoutKind.MinSendRate) == 0 && clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            read += (await connection.ReadUpToAsync(4096, TimeSpan.FromSeconds(10))).Length;
            await Task.Delay(100);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"a reader at ~40 KB/s was still served after {clock.Elapsed} ({read} bytes read)");
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, server.Server.Counters.Timeouts(TimeoutKind.MinSendRate));
        Assert.Equal(0, server.Server.Counters.Timeouts(TimeoutKind.Send));
    }

    [Fact]
    public async Task SteadySlowReaderAboveTheRateIsNotDropped()
    {
        // 2 KB/s against a 5 s send timeout for 12 s: one stream write waits for minutes while the
        // send buffer drains, so only progress measured at the peer (TCP_INFO bytes_acked) keeps
        // this reader alive; counting completed writes would drop it after 5 s.
        await using var server = Start(StrategyOption.Buffered, o => o with
        {
            SendTimeout = TimeSpan.FromSeconds(5),
            MinSendRate = 240,
            MinSendRateGrace = TimeSpan.FromSeconds(1),
        });
        await SteadySlowReader.AssertNotDroppedAsync(server);
    }
}
