using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Graceful shutdown under load, by every strategy: SIGTERM while 20 downloads are in flight lets
// them finish byte-exact (they take far less than the deadline) and the process exits 0 in time.
[Trait("Category", "Soak")]
public sealed class ShutdownTests : IDisposable
{
    private const int Downloads = 20;
    private const long FileLength = 8L * 1024 * 1024;
    private const int ShutdownTimeoutSeconds = 10;

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Strategies.All), MemberType = typeof(Strategies))]
    public async Task SigtermDuringTwentyDownloadsFinishesThemByteExactAndExitsZero(string strategy)
    {
        string path = _directory.ColdBlocksFile("big.bin", FileLength);
        string expected = Fixtures.Sha256OfFile(path);
        await using SoakServer server = await SoakServer.StartAsync(_directory.Path, "--strategy", strategy, "--shutdown-timeout", ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        long[] progress = new long[Downloads];
        var downloads = new Task<(int Status, long Length, string Sha256)>[Downloads];
        for (int i = 0; i < Downloads; i++)
        {
            int index = i;
            downloads[i] = Task.Run(() => PacedDownloadAsync(server, progress, index));
        }

        // SIGTERM once every download is under way (a head and some body received).
        bool underWay = await Wait.UntilAsync(() => progress.All(p => p >= 256 * 1024), TimeSpan.FromSeconds(20));
        Assert.True(underWay, $"downloads did not get under way: {string.Join(", ", progress)} bytes");
        var clock = Stopwatch.StartNew();
        await server.Process.SendSignalAsync("TERM");
        // Within the deadline, plus the runtime's own teardown.
        bool exited = await Wait.UntilAsync(() => server.Process.HasExited, TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 2));
        TimeSpan stopped = clock.Elapsed;

        (int Status, long Length, string Sha256)[] results = await Task.WhenAll(downloads).WaitAsync(TimeSpan.FromSeconds(30));
        int complete = results.Count(r => r.Status == 200 && r.Length == FileLength);
        int exact = results.Count(r => r.Status == 200 && r.Length == FileLength && r.Sha256 == expected);
        string report = $"{strategy}: SIGTERM with {Downloads} downloads of {FileLength >> 20} MiB in flight; {complete} complete, {exact} byte-exact; "
            + $"process {(exited ? $"exited {server.Process.ExitCode} after {stopped.TotalSeconds:F1} s" : $"still running after {stopped.TotalSeconds:F1} s")} (deadline {ShutdownTimeoutSeconds} s)";
        Assert.True(exact == complete, report);
        Assert.True(complete == Downloads, report);
        Assert.True(exited && server.Process.ExitCode == 0, report + $"\nstderr:\n{server.StderrTail()}");
    }

    // Reads at about 6 MiB/s (64 KiB, then a 10 ms pause), so the downloads last long enough to be
    // in flight at SIGTERM and far less than the shutdown deadline.
    private static async Task<(int, long, string)> PacedDownloadAsync(SoakServer server, long[] progress, int index)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync("GET /big.bin HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
        RawResponse head = await connection.ReadHeadAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = head.ContentLength ?? 0;
        long got = 0;
        byte[] chunk = await connection.ReadUpToAsync(Math.Min(length, connection.Buffered));
        hash.AppendData(chunk);
        got += chunk.Length;
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (got < length)
            {
                int n = await connection.Socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - got)), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, n);
                got += n;
                Volatile.Write(ref progress[index], got);
                await Task.Delay(10);
            }
        }
        catch (SocketException)
        {
            // Reset: the body is short, and counted as incomplete.
        }

        Volatile.Write(ref progress[index], Math.Max(got, 256 * 1024));
        return (head.Status, got, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
