using System.Diagnostics;
using Sluice.Server.Metrics;

namespace Sluice.Server.Tests.Infrastructure;

// A client that reads a large body steadily but slowly: 200 bytes every 100 ms (2 KB/s) for 12 s
// through a 4 KiB receive buffer. Above a 240 B/s minimum rate, so a server that measures the
// client's progress keeps it; one that measures waits for writability (or completed writes)
// drops it after its send timeout.
internal static class SteadySlowReader
{
    public static async Task AssertNotDroppedAsync(TestServer server)
    {
        Fixtures.WriteBlocksFile(server.PathOf("big.bin"), 64L * 1024 * 1024);
        await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: 4096);
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await connection.ReadHeadAsync()).Status);

        var clock = Stopwatch.StartNew();
        long read = 0;
        for (int tick = 1; clock.Elapsed < TimeSpan.FromSeconds(12); tick++)
        {
            read += (await connection.ReadUpToAsync(200, TimeSpan.FromSeconds(10))).Length;
            TimeSpan next = TimeSpan.FromMilliseconds(100 * tick) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        long send = server.Server.Counters.Timeouts(TimeoutKind.Send);
        long rate = server.Server.Counters.Timeouts(TimeoutKind.MinSendRate);
        Assert.True(send == 0 && rate == 0, $"a reader taking {read / clock.Elapsed.TotalSeconds:F0} B/s was dropped (send timeouts {send}, rate {rate})");
        Assert.Equal(1, server.Server.ActiveConnections);
    }
}
