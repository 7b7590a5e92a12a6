using System.Diagnostics;
using System.Net.Sockets;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Readers that stop reading (issue 8, defect 1): 20 connections that GET a large cold file and
// never read must not delay a normal client's large cold download, and a reader that trickles at
// 100 B/s must be dropped by the minimum send rate.
[Trait("Category", "Soak")]
public sealed class StalledReaderTests : IDisposable
{
    private const int StalledReaders = 20;
    private const long StalledFileLength = 32L * 1024 * 1024;
    private const long NormalFileLength = 8L * 1024 * 1024;

    // A correctness bound, not a performance claim: the download takes well under a second when
    // nothing competes for the read buffers.
    private static readonly TimeSpan s_normalBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_trickleBound = TimeSpan.FromSeconds(15);

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Strategies.All), MemberType = typeof(Strategies))]
    public async Task StalledReadersDoNotDelayALargeColdTransfer(string strategy)
    {
        _directory.ColdBlocksFile("stalled.bin", StalledFileLength);
        string normal = _directory.ColdBlocksFile("normal.bin", NormalFileLength);

        // A long grace: the stalled readers must still hold whatever they hold while the normal
        // download runs, so it cannot pass merely because they were dropped first.
        await using SoakServer server = await SoakServer.StartAsync(_directory.Path, "--strategy", strategy, "--min-send-rate-grace", "120");
        var readers = new List<RawHttpConnection>();
        try
        {
            for (int i = 0; i < StalledReaders; i++)
            {
                RawHttpConnection reader = await server.ConnectAsync(receiveBufferSize: 4096);
                readers.Add(reader);
                await reader.SendAsync("GET /stalled.bin HTTP/1.1\r\nHost: soak\r\n\r\n");
            }

            // Accepted, not refused by a cap: each reader has a 200 head waiting in its socket
            // buffer (peeked, so nothing is read).
            int accepted = 0;
            await Wait.UntilAsync(() => (accepted = readers.Count(r => PeekStatus(r.Socket) == "200")) == StalledReaders, TimeSpan.FromSeconds(10));
            Assert.True(accepted == StalledReaders, $"{accepted} of {StalledReaders} stalled readers got a 200 head; the others: {string.Join(", ", readers.Select(r => PeekStatus(r.Socket)).Where(s => s != "200"))}");

            // The stalled readers hold every aligned read buffer the budget allows (asserted below,
            // after the download, so that a server without the gauge still reports the download).
            IReadOnlyDictionary<string, double> metrics = await server.ScrapeAsync();
            if (Strategies.UsesReadBuffers(strategy))
            {
                await Wait.UntilAsync(async () => (metrics = await server.ScrapeAsync()).ContainsKey(InUse) && metrics[InUse] == metrics[Budget], TimeSpan.FromSeconds(10));
            }

            string gauge = $"read buffers in use {metrics.GetValueOrDefault(InUse, double.NaN)} of {metrics.GetValueOrDefault(Budget, double.NaN)}";

            SoakDirectory.MakeCold(normal);
            var clock = Stopwatch.StartNew();
            (int status, byte[] body) = await server.DownloadAsync("/normal.bin", NormalFileLength, s_normalBound);
            clock.Stop();
            Assert.True(
                status == 200 && body.Length == NormalFileLength,
                $"{strategy}: the {NormalFileLength >> 20} MiB cold download beside {StalledReaders} stalled readers got status {status} and {body.Length} of {NormalFileLength} bytes in {clock.Elapsed.TotalSeconds:F2} s (bound {s_normalBound.TotalSeconds} s); {gauge} before it");
            Assert.Equal(Fixtures.Sha256OfFile(normal), Fixtures.Sha256(body));
            if (Strategies.UsesReadBuffers(strategy))
            {
                Assert.True(metrics.ContainsKey(InUse) && metrics[InUse] == metrics[Budget], $"{strategy}: {gauge} while {StalledReaders} readers stalled (the download took {clock.Elapsed.TotalSeconds:F2} s)");
            }

            // The stalled readers were still there: the download did not pass because they left.
            double active = (await server.ScrapeAsync())["sluice_connections_active"];
            Assert.True(active >= StalledReaders, $"only {active} connections active after the download: stalled readers were dropped");
        }
        finally
        {
            foreach (RawHttpConnection reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Strategies.All), MemberType = typeof(Strategies))]
    public async Task ATricklingReaderIsDropped(string strategy)
    {
        // On loopback (MSS 64 KiB) the receiver opens its window only after it has read about half
        // its 4 KiB receive buffer, so a 100 B/s reader's progress reaches the server in steps about
        // 20 s apart: the 6 s send timeout or the rate's credit (capped at it), whichever the
        // heartbeat sees first, ends it. The short send timeout keeps the test short; the rate rule
        // alone, and a slow reader above the rate that must survive, are tested in Sluice.Server.Tests.
        _directory.ColdBlocksFile("stalled.bin", StalledFileLength);
        await using SoakServer server = await SoakServer.StartAsync(
            _directory.Path, "--strategy", strategy, "--min-send-rate", "240", "--min-send-rate-grace", "2", "--send-timeout", "6");
        await using RawHttpConnection trickler = await server.ConnectAsync(receiveBufferSize: 4096);
        await trickler.SendAsync("GET /stalled.bin HTTP/1.1\r\nHost: soak\r\n\r\n");

        // 10 bytes every 100 ms on a fixed schedule: 100 B/s, below the 240 B/s minimum. The
        // server's side of the connection is what must end (what the kernel already holds still
        // reaches the client after the drop), so the drop is seen in /metrics.
        var clock = Stopwatch.StartNew();
        long received = 0;
        bool dropped = false;
        byte[] buffer = new byte[10];
        for (int tick = 1; clock.Elapsed < s_trickleBound; tick++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            int n = await trickler.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            received += n;
            if (n == 0 || (tick % 10 == 0 && (await server.ScrapeAsync())["sluice_connections_active"] == 0))
            {
                dropped = true;
                break;
            }

            TimeSpan next = TimeSpan.FromMilliseconds(100 * tick) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        Assert.True(dropped, $"{strategy}: a reader taking 100 B/s was still connected after {clock.Elapsed.TotalSeconds:F1} s (min send rate 240 B/s, grace 2 s, send timeout 6 s); it had read {received} bytes");
        Assert.True(received < StalledFileLength, $"{strategy}: the trickler got the whole file");
    }

    private const string InUse = "sluice_read_buffers_in_use";
    private const string Budget = "sluice_read_buffers_budget";

    // The status code of the response head waiting in the socket buffer, without consuming it.
    private static string PeekStatus(Socket socket)
    {
        if (socket.Available < 12)
        {
            return socket.Available == 0 ? "nothing" : "partial";
        }

        byte[] head = new byte[12];
        int n = socket.Receive(head, SocketFlags.Peek);
        return n == 12 && head.AsSpan(0, 9).SequenceEqual("HTTP/1.1 "u8) ? System.Text.Encoding.ASCII.GetString(head, 9, 3) : "garbage";
    }
}
