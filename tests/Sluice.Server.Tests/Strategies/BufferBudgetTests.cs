using Sluice.Server.Configuration;
using Sluice.Server.Disk;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Strategies;

// The aligned read-buffer budget of direct/dontcache cannot be turned against other clients:
// connections that request a large cold file and never read hold every buffer, yet a normal
// large cold download completes (by the budget-free path, labelled buffer-budget), waits for a
// buffer are bounded and cancellable, and shutdown does not wait for them.
[Collection(SerialCollection.Name)]
public sealed class BufferBudgetTests(ITestOutputHelper output)
{
    private const int Stallers = 20;
    private const int StallFileBytes = 16 * 1024 * 1024;
    private const int VictimBytes = 8 * 1024 * 1024;

    public static TheoryData<StrategyOption> Strategies => new() { StrategyOption.Direct, StrategyOption.Dontcache };

    // 64 buffers of 256 KiB: 20 stalled transfers want up to 5 each (4 reads in flight and the
    // chunk being sent), so together they hold the whole budget. The send timeout is far longer
    // than the bound below, so a download that waits for their buffers fails the test.
    private static TestServer Start(StrategyOption strategy, TimeSpan? shutdownTimeout = null) =>
        TestServer.Start(strategy, o => o with
        {
            ReadBufferBytes = 256 * 1024,
            ReadsInFlight = 4,
            ReadBufferBudgetBytes = 64 * 256 * 1024,
            SendTimeout = TimeSpan.FromSeconds(60),
            ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5),
            MaxConnections = 256,
        });

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task StalledReadersHoldingTheWholeBudgetDoNotDelayALargeColdDownload(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        string victim = server.PathOf("victim.bin");
        Fixtures.WriteRandomFile(victim, VictimBytes, seed: 8);
        string expected = Fixtures.Sha256OfFile(victim);
        PageCache.FlushAndEvict(victim);

        List<RawHttpConnection> stalled = await StallAsync(server);
        try
        {
            var clock = Stopwatch.StartNew();
            await using RawHttpConnection connection = await server.ConnectAsync();
            await connection.SendAsync("GET /victim.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            RawResponse response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
            clock.Stop();
            output.WriteLine($"{strategy}: 8 MiB cold download under {Stallers} stalled readers took {clock.Elapsed.TotalSeconds:0.000} s");

            Assert.Equal(200, response.Status);
            Assert.Equal(expected, Fixtures.Sha256(response.Body));
            string line = await AccessLineAsync(server, "/victim.bin");
            // The budget-free path's heap-buffer reads are dontcache reads, whatever was decided.
            Assert.True(line.Contains($"strategy=dontcache reason=fallback:buffer-budget({strategy.ToString().ToLowerInvariant()}) outcome=completed", StringComparison.Ordinal), line);

            // /metrics shows the gauge at its budget and the fallback under its own label.
            string name = strategy.ToString().ToLowerInvariant();
            string metrics = PrometheusWriter.Render(server.Server.Metrics, server.Server.OpenFiles, server.Server.ActiveConnections);
            Assert.Contains("\nsluice_read_buffers_in_use 64\n", metrics);
            Assert.Contains("\nsluice_read_buffers_budget 64\n", metrics);
            Assert.Matches(new Regex($@"^sluice_fallbacks_total\{{strategy=""{name}"",reason=""buffer-budget""\}} [1-9]\d*$", RegexOptions.Multiline), metrics);

            // It did not get through by draining the stalled transfers: they still hold every buffer.
            Assert.Equal(server.Server.ReadBuffers.MaxBuffers, server.Server.ReadBuffers.InUse);
        }
        finally
        {
            await CloseAllAsync(stalled);
        }
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task ShutdownWithStalledReadersEndsWithinItsDeadlineAndFreesEveryBuffer(StrategyOption strategy)
    {
        TimeSpan deadline = TimeSpan.FromSeconds(1);
        await using TestServer server = Start(strategy, deadline);
        List<RawHttpConnection> stalled = await StallAsync(server);
        try
        {
            var clock = Stopwatch.StartNew();
            Task stop = server.Server.StopAsync();
            bool stopped = await Task.WhenAny(stop, Task.Delay(deadline + TimeSpan.FromSeconds(5))) == stop;
            Assert.True(stopped, $"shutdown still running {clock.Elapsed} after it began (deadline {deadline})");
            output.WriteLine($"{strategy}: shutdown with {Stallers} stalled readers took {clock.Elapsed.TotalSeconds:0.000} s");
            Assert.Equal(0, server.Server.ActiveConnections);
            Assert.Equal(0, server.Server.ReadBuffers.InUse);
        }
        finally
        {
            await CloseAllAsync(stalled);
        }
    }

    [Fact]
    public async Task RentAsyncIsBoundedAndHonoursCancellation()
    {
        using var pool = new AlignedBufferPool(4096, 4096, maxBuffers: 1);
        Assert.True(pool.TryRent(out AlignedBuffer? held));

        Assert.Null(await pool.RentAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None));

        using var cancel = new CancellationTokenSource();
        ValueTask<AlignedBuffer?> waiting = pool.RentAsync(TimeSpan.FromMinutes(10), cancel.Token);
        Assert.False(waiting.IsCompleted);
        cancel.Cancel();
        Task<AlignedBuffer?> cancelled = waiting.AsTask();
        Assert.Same(cancelled, await Task.WhenAny(cancelled, Task.Delay(TimeSpan.FromSeconds(10))));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        // The cancelled waiter took nothing: the returned buffer goes to the next one.
        pool.Return(held);
        AlignedBuffer? next = await pool.RentAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.NotNull(next);
        Assert.Equal(1, pool.InUse);
        pool.Return(next);
        Assert.Equal(0, pool.InUse);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task AnExceptionOnADiskThreadAbortsThatConnectionAndTheServerLives(StrategyOption strategy)
    {
        // The thread engine's seam; the io_uring engine's reaper has its own test (IoUringDiskEngineTests).
        await using TestServer server = TestServer.Start(strategy, o => o with { IoEngine = IoEngineOption.Threads });
        int thrown = 0;
        ((ThreadDiskEngine)server.Server.DiskEngine).BeforeRead = _ =>
        {
            if (Interlocked.Exchange(ref thrown, 1) == 0)
            {
                throw new InvalidOperationException("injected disk-thread fault");
            }
        };

        await using (RawHttpConnection connection = await server.ConnectAsync())
        {
            await connection.SendAsync("GET /random.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            byte[] received = await connection.ReadToEndAsync(TimeSpan.FromSeconds(10));
            Assert.True(received.Length < TestServer.RandomLength, $"the whole body arrived ({received.Length} bytes) although a read failed");
        }

        Assert.Equal(1, thrown);
        // The log is written by a background thread, and the connection may close before it runs.
        await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("disk read failed", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Contains("disk read failed with InvalidOperationException: injected disk-thread fault", server.DiagnosticsLog);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, server.Server.ReadBuffers.InUse);

        // The disk threads are all still there: more reads than threads succeed.
        for (int i = 0; i < server.Server.Options.DiskThreads + 1; i++)
        {
            RawResponse response = await server.GetAsync("/random.bin");
            Assert.Equal(200, response.Status);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        }
    }

    // Stallers: each asks for a large cold file with a tiny receive window and never reads. Returns
    // once they are all accepted, each has received the start of its response, the buffer gauge
    // stands at its budget, and no buffer has changed hands for a while: a client that never
    // reads still absorbs a few MiB on loopback (the server's send buffer grows to tcp_wmem's
    // maximum), and until that is full its transfer keeps returning and renting buffers.
    private static async Task<List<RawHttpConnection>> StallAsync(TestServer server)
    {
        string path = server.PathOf("stall.bin");
        Fixtures.WriteBlocksFile(path, StallFileBytes);
        PageCache.FlushAndEvict(path);
        var stalled = new List<RawHttpConnection>(Stallers);
        try
        {
            for (int i = 0; i < Stallers; i++)
            {
                RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 4096);
                stalled.Add(connection);
                await connection.SendAsync("GET /stall.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            }

            AlignedBufferPool buffers = server.Server.ReadBuffers;
            long rents = -1;
            int quiet = 0;
            Assert.True(
                await Wait.UntilAsync(
                    () =>
                    {
                        bool full = buffers.InUse == buffers.MaxBuffers && server.Server.ActiveConnections == Stallers && stalled.All(c => c.Socket.Available > 0);
                        long now = buffers.Rents;
                        quiet = full && now == rents ? quiet + 1 : 0;
                        rents = now;
                        return quiet >= 25;
                    },
                    TimeSpan.FromSeconds(30)),
                $"stalled readers hold {buffers.InUse}/{buffers.MaxBuffers} buffers over {server.Server.ActiveConnections} connections, {buffers.Rents} rents");
            return stalled;
        }
        catch
        {
            await CloseAllAsync(stalled);
            throw;
        }
    }

    private static async Task CloseAllAsync(List<RawHttpConnection> connections)
    {
        foreach (RawHttpConnection connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    // The access log line is written after the last byte is sent, so it may trail the client.
    private static async Task<string> AccessLineAsync(TestServer server, string target)
    {
        string? line = null;
        Assert.True(
            await Wait.UntilAsync(() => (line = server.AccessLog.Split('\n').FirstOrDefault(l => l.Contains($" {target} ", StringComparison.Ordinal))) is not null, TimeSpan.FromSeconds(5)),
            server.AccessLog);
        return line!;
    }
}
