using System.Diagnostics;
using System.Text;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 8, defect 6: connections that hold a slot without finishing a request head. A head
// trickled byte by byte (slowloris) and a connection that sends nothing at all must both be
// closed by the header timeout, counted from accept — not by the keep-alive timeout — while a
// normal client is served all along.
[Trait("Category", "Soak")]
public sealed class HeaderTimeoutTests : IDisposable
{
    private const int Slowloris = 10;
    private const int Silent = 10;
    private const double HeaderTimeoutSeconds = 2;
    private const double KeepAliveTimeoutSeconds = 30;

    // The heartbeat checks deadlines every 250 ms; the rest is scheduling on a busy 2-core machine.
    private static readonly TimeSpan s_closeBound = TimeSpan.FromSeconds(HeaderTimeoutSeconds + 2);

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SlowlorisAndSilentConnectionsAreClosedByTheHeaderTimeoutWhileANormalClientIsServed()
    {
        File.WriteAllText(_directory.File("hello.txt"), "hello, soak\n");
        await using SoakServer server = await SoakServer.StartAsync(
            _directory.Path, "--header-timeout", "2", "--keepalive-timeout", "30");

        // Each hostile connection: how long until the server closed it, and what it sent first.
        Task<(TimeSpan Closed, string Received)>[] slow = new Task<(TimeSpan, string)>[Slowloris];
        Task<(TimeSpan Closed, string Received)>[] silent = new Task<(TimeSpan, string)>[Silent];
        for (int i = 0; i < Slowloris; i++)
        {
            slow[i] = SlowlorisAsync(server);
        }

        for (int i = 0; i < Silent; i++)
        {
            silent[i] = SilentAsync(server);
        }

        // The normal client: one request every 100 ms on a fresh connection, until the hostile ones are done.
        int served = 0;
        var failures = new List<string>();
        Task hostile = Task.WhenAll(slow.Concat(silent));
        while (!hostile.IsCompleted)
        {
            try
            {
                RawResponse response = await server.GetAsync("/hello.txt", TimeSpan.FromSeconds(2));
                if (response.Status == 200 && response.BodyText == "hello, soak\n")
                {
                    served++;
                }
                else
                {
                    failures.Add(response.StatusLine);
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
                failures.Add(ex.Message);
            }

            await Task.WhenAny(hostile, Task.Delay(100));
        }

        (TimeSpan Closed, string Received)[] slowResults = await Task.WhenAll(slow);
        (TimeSpan Closed, string Received)[] silentResults = await Task.WhenAll(silent);
        string report = $"header timeout {HeaderTimeoutSeconds} s, keep-alive {KeepAliveTimeoutSeconds} s; "
            + $"slowloris closed after [{string.Join(", ", slowResults.Select(r => Show(r.Closed)))}] s; "
            + $"silent closed after [{string.Join(", ", silentResults.Select(r => Show(r.Closed)))}] s; "
            + $"normal client: {served} served, {failures.Count} failed{(failures.Count > 0 ? $" (first: {failures[0]})" : "")}";

        Assert.True(failures.Count == 0 && served > 0, report);
        Assert.True(slowResults.All(r => r.Closed <= s_closeBound), report);
        Assert.True(silentResults.All(r => r.Closed <= s_closeBound), report);

        // A started head that times out is answered 408; a connection that never sent a byte is
        // closed without a word (there is no request to answer).
        Assert.All(slowResults, r => Assert.StartsWith("HTTP/1.1 408 ", r.Received, StringComparison.Ordinal));
        Assert.All(silentResults, r => Assert.Equal("", r.Received));
    }

    private static string Show(TimeSpan closed) => closed == TimeSpan.MaxValue ? $">{s_closeBound.TotalSeconds * 3:F0}" : closed.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    // A head that never ends: one byte every 200 ms, each keeping the connection busy.
    private static async Task<(TimeSpan, string)> SlowlorisAsync(SoakServer server)
    {
        var clock = Stopwatch.StartNew();
        await using RawHttpConnection connection = await server.ConnectAsync();
        Task<(TimeSpan, string)> closed = ClosedAsync(connection, clock);
        byte[] head = Encoding.ASCII.GetBytes("GET /hello.txt HTTP/1.1\r\nHost: soak\r\nX-Slow: ");
        try
        {
            for (int i = 0; !closed.IsCompleted; i++)
            {
                await connection.SendAsync(i < head.Length ? head.AsMemory(i, 1) : "a"u8.ToArray());
                await Task.WhenAny(closed, Task.Delay(200));
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The server closed it under our feet.
        }

        return await closed;
    }

    private static async Task<(TimeSpan, string)> SilentAsync(SoakServer server)
    {
        var clock = Stopwatch.StartNew();
        await using RawHttpConnection connection = await server.ConnectAsync();
        return await ClosedAsync(connection, clock);
    }

    // Waits (bounded, well past the expected close) for the server to close; MaxValue if it did not.
    private static async Task<(TimeSpan, string)> ClosedAsync(RawHttpConnection connection, Stopwatch clock)
    {
        try
        {
            byte[] received = await connection.ReadToEndAsync(s_closeBound * 3);
            return (clock.Elapsed, Encoding.Latin1.GetString(received));
        }
        catch (TimeoutException)
        {
            return (TimeSpan.MaxValue, "");
        }
    }
}
