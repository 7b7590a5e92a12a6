using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// A body that stalls or trickles ends the upload: the connection closes without a response and
// nothing is left in the tree.
public sealed class BodyDeadlineTests
{
    [Fact]
    public async Task ABodyThatStallsPastTheBodyTimeoutIsDropped()
    {
        await using var server = StartWithUploads(u => u with { BodyTimeout = TimeSpan.FromSeconds(1), MinReceiveRate = 0 });
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/stalled.bin", 1000) + new string('x', 100));
        // The server closes without answering: nothing arrives before the close.
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(15)));
        Assert.False(File.Exists(server.PathOf("stalled.bin")));
        Assert.DoesNotContain(Names(server.Root), n => n.StartsWith(".sluice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABodyThatTricklesBelowTheMinimumRateIsDropped()
    {
        // 10 kB/s after a 1 s grace; the client sends 10 bytes every 100 ms (100 B/s), each within
        // the 30 s body timeout, so only the rate can end it.
        await using var server = StartWithUploads(u => u with { MinReceiveRate = 10_000, MinReceiveRateGrace = TimeSpan.FromSeconds(1) });
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/trickle.bin", 1_000_000));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        bool dropped = false;
        while (!cts.IsCancellationRequested && !dropped)
        {
            try
            {
                await connection.SendAsync(Encoding.ASCII.GetBytes("0123456789"));
            }
            catch (System.Net.Sockets.SocketException)
            {
                dropped = true;
                break;
            }

            await Task.Delay(100);
            dropped = await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromMilliseconds(1));
        }

        Assert.True(dropped, "the trickling upload was still open after 20 s");
        Assert.False(File.Exists(server.PathOf("trickle.bin")));
    }
}
