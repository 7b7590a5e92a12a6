using System.Diagnostics;
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
        string text = TestServer.Ascii(received);
        Assert.True(text.Length == 0 || text.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), text);
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
        string text = TestServer.Ascii(received);
        Assert.True(text.Length == 0 || text.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), text);
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
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.3), $"dropped after only {clock.Elapsed}");
    }
}
