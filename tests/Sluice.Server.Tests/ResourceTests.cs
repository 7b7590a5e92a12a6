using System.Net.Sockets;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// What happens when a transfer goes wrong: the client vanishes, the file shrinks, the server stops.
// These count this process's descriptors and watch timing, so they run alone.
[Collection(SerialCollection.Name)]
public sealed class ResourceTests
{
    private const long BigLength = 64L * 1024 * 1024;

    // strategy, reset (RST) or plain close, open-file cache on or off.
    public static TheoryData<StrategyOption, bool, bool> Disconnects => new()
    {
        { StrategyOption.Sendfile, true, false },
        { StrategyOption.Sendfile, false, false },
        { StrategyOption.Buffered, true, false },
        { StrategyOption.Buffered, false, false },
        { StrategyOption.Sendfile, true, true },
        { StrategyOption.Buffered, false, true },
    };

    [Theory]
    [MemberData(nameof(Disconnects))]
    public async Task ClientThatDisconnectsMidTransferFreesEverything(StrategyOption strategy, bool reset, bool openFileCache)
    {
        await using var server = TestServer.Start(strategy, o => o with { OpenFileCacheEntries = openFileCache ? 16 : 0 });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), BigLength);

        // Warm up, so descriptors the runtime opens lazily exist before the baseline is taken.
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        int baseline = Wait.OpenDescriptors();
        int cachedAtBaseline = server.Server.OpenFiles.Count;

        RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 64 * 1024);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse head = await connection.ReadHeadAsync();
        Assert.Equal(BigLength, head.ContentLength);
        byte[] some = await connection.ReadUpToAsync(512 * 1024);
        Fixtures.AssertBytes(Fixtures.Blocks(0, some.Length), some, "start of the body");
        Assert.Equal(1, server.Server.ActiveConnections);
        Assert.True(Wait.OpenDescriptors() > baseline, "the transfer should hold descriptors while it runs");
        Assert.True(Wait.DescriptorsOpenOn("big.bin") > 0, "the server should hold big.bin open while it sends it");

        bool freed = await Wait.WithoutGcAsync(async () =>
        {
            if (reset)
            {
                connection.Abort();
            }
            else
            {
                await connection.DisposeAsync();
            }

            // The open-file cache may keep one descriptor of big.bin on purpose; nothing else may stay.
            return await Wait.UntilAsync(
                () => server.Server.ActiveConnections == 0
                    && Wait.OpenDescriptors() <= baseline + (server.Server.OpenFiles.Count - cachedAtBaseline)
                    && Wait.DescriptorsOpenOn("big.bin") <= (openFileCache ? 1 : 0),
                TimeSpan.FromSeconds(5));
        });
        Assert.True(
            freed,
            $"after 5 s: {server.Server.ActiveConnections} connection(s), {Wait.OpenDescriptors()} descriptors (baseline {baseline}, " +
            $"cache {cachedAtBaseline} -> {server.Server.OpenFiles.Count}), {Wait.DescriptorsOpenOn("big.bin")} on big.bin");
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task FileTruncatedMidTransferClosesTheConnectionWithoutPadding(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string big = server.PathOf("big.bin");
        Fixtures.WriteBlocksFile(big, BigLength);
        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 32 * 1024);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse head = await connection.ReadHeadAsync();
        Assert.Equal(BigLength, head.ContentLength);

        // Read about 1 MiB, slowly, then cut the file to 4 MiB under the server.
        using var received = new MemoryStream();
        while (received.Length < 1024 * 1024)
        {
            received.Write(await connection.ReadUpToAsync(64 * 1024));
            await Task.Delay(5);
        }

        using (var shrink = new FileStream(big, FileMode.Open, FileAccess.Write))
        {
            shrink.SetLength(4L * 1024 * 1024);
        }

        received.Write(await connection.ReadUpToAsync(BigLength, TimeSpan.FromSeconds(20)));

        // ReadUpToAsync returned before BigLength bytes: the server closed the connection.
        long total = received.Length;
        Assert.True(total < BigLength, $"received all {total} bytes of a file truncated to 4 MiB");
        byte[] body = received.ToArray();
        Fixtures.AssertBytes(Fixtures.Blocks(0, body.Length), body, "bytes before the close (never padding)");
        Assert.True(
            await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("shrank", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            $"no truncation warning in the log:\n{server.DiagnosticsLog}");

        // The server keeps serving.
        RawResponse other = await server.GetAsync("/random.bin");
        Assert.Equal(200, other.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(other.Body));
        RawResponse shrunk = await server.GetAsync("/big.bin");
        Assert.Equal(4L * 1024 * 1024, shrunk.ContentLength);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task GracefulShutdownFinishesTransfersAndRefusesNewConnections(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy, o => o with { ShutdownTimeout = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        string big = server.PathOf("big.bin");
        Fixtures.WriteBlocksFile(big, BigLength);
        int port = server.Port;

        // An idle keep-alive connection, and a transfer in flight.
        await using RawHttpConnection idle = await server.ConnectAsync();
        await idle.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await idle.ReadResponseAsync()).Status);
        await using RawHttpConnection busy = await server.ConnectAsync(receiveBufferSize: 64 * 1024);
        await busy.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse head = await busy.ReadHeadAsync();
        Assert.Equal(BigLength, head.ContentLength);
        byte[] first = await busy.ReadUpToAsync(1024 * 1024);

        Task stop = server.Server.StopAsync();

        SocketException refused = await Assert.ThrowsAnyAsync<SocketException>(() => RawHttpConnection.ConnectAsync(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Empty(await idle.ReadToEndAsync(TimeSpan.FromSeconds(3)));
        Assert.False(stop.IsCompleted, "StopAsync finished while a transfer was still in flight");

        byte[] rest = await busy.ReadUpToAsync(BigLength - first.Length, TimeSpan.FromSeconds(30));
        Assert.Equal(BigLength, first.Length + rest.Length);
        Assert.Equal(Fixtures.Sha256OfFile(big), Fixtures.Sha256([.. first, .. rest]));
        Assert.Empty(await busy.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, server.Server.ActiveConnections);
    }

    [Fact]
    public async Task ShutdownDeadlineAbortsTransfersThatDoNotFinish()
    {
        await using var server = TestServer.Start(configure: o => o with { ShutdownTimeout = TimeSpan.FromSeconds(1), SendTimeout = TimeSpan.FromSeconds(60) });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), BigLength);
        await using RawHttpConnection stalled = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        await stalled.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await stalled.ReadHeadAsync()).Status);

        // The client reads nothing more; only the shutdown deadline can end this transfer.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.8), $"stopped after only {clock.Elapsed}: the transfer was not given its time");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"StopAsync took {clock.Elapsed} with a 1 s deadline");
        Assert.Equal(0, server.Server.ActiveConnections);
        // The log is written by a background thread: the line arrives shortly after.
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("shutdown deadline", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
        byte[] rest = await stalled.ReadUpToAsync(BigLength, TimeSpan.FromSeconds(10));
        Assert.True(rest.Length < BigLength, "the stalled transfer cannot have completed");
    }
}
