using System.Diagnostics;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Slowloris, idle keep-alive and the connection limit. Timing-dependent, so run alone.
[Collection(SerialCollection.Name)]
public sealed class TimeoutAndLimitTests
{
    [Fact]
    public async Task PartialHeadTimesOut()
    {
        await using var server = TestServer.Start(configure: o => o with { HeaderTimeout = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        await using RawHttpConnection connection = await server.ConnectAsync();
        var clock = Stopwatch.StartNew();

        await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n");
        byte[] received = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.8), $"closed after only {clock.Elapsed}");
        // RFC 9110 §15.5.9: a partial head is answered 408, then the connection closes.
        string text = TestServer.Ascii(received);
        Assert.StartsWith("HTTP/1.1 408 ", text, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", text, StringComparison.Ordinal);
        Assert.Equal(1, server.Server.Counters.Rejections(Sluice.Core.Http.RequestRejectionReason.HeaderTimeout));
        Assert.Equal(1, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.Header));
    }

    [Fact]
    public async Task SilentConnectionIsClosedByTheHeaderTimeoutFromAccept()
    {
        // Before: a connection that sent nothing was held for the keep-alive timeout (here 30 s).
        // Now the first request's header timeout runs from accept; nothing was asked, so nothing
        // is answered: a clean close (FIN, no bytes), as Kestrel and nginx do.
        await using var server = TestServer.Start(configure: o => o with { HeaderTimeout = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        await using RawHttpConnection connection = await server.ConnectAsync();
        var clock = Stopwatch.StartNew();

        byte[] received = await connection.ReadToEndAsync(TimeSpan.FromSeconds(6));

        Assert.Empty(received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"a silent connection was held for {clock.Elapsed}");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.7), $"closed after only {clock.Elapsed}");
        Assert.True(await Wait.UntilAsync(() => server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.Header) == 1, TimeSpan.FromSeconds(3)));
        Assert.Equal(0, server.Server.Counters.Rejections(Sluice.Core.Http.RequestRejectionReason.HeaderTimeout));
    }

    [Fact]
    public async Task TricklingHeadStillTimesOut()
    {
        // The header deadline is absolute: a byte every 200 ms does not keep a slowloris alive.
        await using var server = TestServer.Start(configure: o => o with { HeaderTimeout = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        await using RawHttpConnection connection = await server.ConnectAsync();
        using var stopTrickle = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        Task trickle = Task.Run(async () =>
        {
            byte[] head = "GET /tiny.txt HTTP/1.1\r\nHost: a\r\nX-Slow: "u8.ToArray();
            await connection.Socket.SendAsync(head, System.Net.Sockets.SocketFlags.None);
            while (!stopTrickle.IsCancellationRequested)
            {
                await Task.Delay(200);
                try
                {
                    await connection.Socket.SendAsync("a"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });

        byte[] received;
        try
        {
            received = await connection.ReadToEndAsync(TimeSpan.FromSeconds(6));
        }
        finally
        {
            stopTrickle.Cancel();
            await trickle.WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"a trickling client held the connection for {clock.Elapsed}");
        Assert.StartsWith("HTTP/1.1 408 ", TestServer.Ascii(received), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleKeepAliveConnectionIsClosed()
    {
        await using var server = TestServer.Start(configure: o => o with { KeepAliveTimeout = TimeSpan.FromSeconds(1), HeaderTimeout = TimeSpan.FromSeconds(30) });
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        var clock = Stopwatch.StartNew();

        byte[] received = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(received);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.7), $"closed after only {clock.Elapsed}");
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(3)));
        Assert.Equal(1, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.KeepAlive));
    }

    [Fact]
    public async Task ShutdownClosesIdleConnectionsAtOnce()
    {
        await using var server = TestServer.Start(configure: o => o with { KeepAliveTimeout = TimeSpan.FromSeconds(30), ShutdownTimeout = TimeSpan.FromSeconds(20) });
        var idle = new List<RawHttpConnection>();
        for (int i = 0; i < 8; i++)
        {
            RawHttpConnection connection = await server.ConnectAsync();
            await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
            idle.Add(connection);
        }

        var clock = Stopwatch.StartNew();
        await server.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"shutdown waited {clock.Elapsed} for idle connections");
        foreach (RawHttpConnection connection in idle)
        {
            Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(5)));
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConnectionsBeyondTheLimitGet503()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxConnections = 2 });
        await using RawHttpConnection first = await server.ConnectAsync();
        await using RawHttpConnection second = await server.ConnectAsync();
        foreach (RawHttpConnection held in new[] { first, second })
        {
            await held.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await held.ReadResponseAsync()).Status);
        }

        Assert.Equal(2, server.Server.ActiveConnections);
        await using (RawHttpConnection third = await server.ConnectAsync())
        {
            await third.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse refused = await third.ReadResponseAsync();
            Assert.Equal(503, refused.Status);
            Assert.NotNull(refused.Header("Retry-After"));
            Assert.True(int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Empty(await third.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        }

        // The held connections still work, and a freed slot is usable again.
        await first.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await first.ReadResponseAsync()).Status);
        await second.DisposeAsync();
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        Assert.Equal(1, server.Server.Counters.Busy(Sluice.Server.Metrics.BusyKind.Server));
        Assert.True(await Wait.UntilAsync(() => server.DiagnosticsLog.Contains("503 connection limit (2) reached", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.DiagnosticsLog);
    }

    [Fact]
    public async Task OneAddressCannotTakeEverySlot()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxConnections = 10, MaxConnectionsPerAddress = 2 });
        await using RawHttpConnection first = await server.ConnectAsync();
        await using RawHttpConnection second = await server.ConnectAsync();
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 2, TimeSpan.FromSeconds(5)));

        // A third connection from 127.0.0.1 is refused although 8 slots are free …
        await using (RawHttpConnection third = await server.ConnectAsync())
        {
            await third.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse refused = await third.ReadResponseAsync();
            Assert.Equal(503, refused.Status);
            Assert.Equal("1", refused.Header("Retry-After"));
            Assert.Empty(await third.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(1, server.Server.Counters.Busy(Sluice.Server.Metrics.BusyKind.Address));

        // … while another address (127.0.0.2, also loopback) is served.
        using (var other = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            other.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
            await other.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Port));
            await other.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
            using var stream = new System.Net.Sockets.NetworkStream(other);
            using var reader = new StreamReader(stream);
            string response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        }

        // A slot given back is usable again by the capped address.
        await first.DisposeAsync();
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
    }

    [Fact]
    public async Task TricklingReaderIsDroppedByTheMinimumSendRate()
    {
        // The send timeout (30 s here) alone never fires: the reader takes a little every 100 ms.
        // Below the minimum rate it is dropped after the grace period and its credit run out.
        await using var server = TestServer.Start(StrategyOption.Buffered, o => o with
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

        // (What the kernel already holds still reaches the client after the drop, so the drop is
        // seen in the server's counters, not as an end of stream.)
        long read = 0;
        while (server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.MinSendRate) == 0 && clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            read += (await connection.ReadUpToAsync(4096, TimeSpan.FromSeconds(10))).Length;
            await Task.Delay(100);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"a reader at ~40 KB/s was still served after {clock.Elapsed} ({read} bytes read)");
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.MinSendRate));
        Assert.Equal(0, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.Send));
    }

    [Theory]
    [InlineData(StrategyOption.Sendfile)]
    [InlineData(StrategyOption.Buffered)]
    public async Task SteadySlowReaderAboveTheRateIsNotDropped(StrategyOption strategy)
    {
        // 200 bytes every 100 ms (2 KB/s, 8× the minimum rate) for 12 s against a 5 s send timeout.
        // The socket stays unwritable for minutes (Linux wakes a writer only once the free part of
        // the multi-megabyte send buffer is half the queued part), so a timeout that measured waits
        // for writability instead of the client's progress dropped this reader after 5 s. Its
        // progress reaches the server in steps of a few KB about 1.5–3 s apart (the 4 KiB receive
        // window's updates on loopback), well inside the 5 s.
        await using var server = TestServer.Start(strategy, o => o with
        {
            SendTimeout = TimeSpan.FromSeconds(5),
            MinSendRate = 240,
            MinSendRateGrace = TimeSpan.FromSeconds(1),
        });
        await SteadySlowReader.AssertNotDroppedAsync(server);
    }

    [Fact]
    public async Task FastReaderIsNotDroppedByTheMinimumSendRate()
    {
        await using var server = TestServer.Start(StrategyOption.Sendfile, o => o with
        {
            MinSendRate = 4L * 1024 * 1024,
            MinSendRateGrace = TimeSpan.FromSeconds(1),
        });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 64L * 1024 * 1024);
        RawResponse response = await server.GetAsync("/big.bin");

        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("big.bin")), Fixtures.Sha256(response.Body));
        Assert.Equal(0, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.MinSendRate));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task ClientThatStopsReadingIsDroppedAfterTheSendTimeout(Sluice.Core.Policy.StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy, o => o with { SendTimeout = TimeSpan.FromSeconds(1) });
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 64L * 1024 * 1024);
        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(2)));
        var clock = Stopwatch.StartNew();

        // Read nothing more: the server's sends block, and after the send timeout it gives up.
        bool dropped = await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(8));

        Assert.True(dropped, $"the stalled connection was still open after {clock.Elapsed}");
        Assert.Equal(1, server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.Send) + server.Server.Counters.Timeouts(Sluice.Server.Metrics.TimeoutKind.MinSendRate));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.3), $"dropped after only {clock.Elapsed}");
    }
}
