using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sluice.Cli.Tests;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 8, defect 3: a port must be bound once. A second `sluice serve` on a port already served
// must fail at once with a one-line error and a non-zero exit, and the first server must keep
// every request (SO_REUSEPORT would split them between the two).
[Trait("Category", "Soak")]
public sealed class PortTests : IDisposable
{
    private const int Requests = 200;
    private static readonly TimeSpan s_exitBound = TimeSpan.FromSeconds(10);

    private readonly SoakDirectory _directory = new();

    public PortTests()
    {
        Directory.CreateDirectory(_directory.File("a"));
        Directory.CreateDirectory(_directory.File("b"));
        File.WriteAllText(_directory.File("a/who.txt"), "first\n");
        File.WriteAllText(_directory.File("b/who.txt"), "second\n");
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ASecondServerOnTheSamePortFailsAndTheFirstKeepsServing()
    {
        await using SoakServer first = await SoakServer.StartAsync(_directory.File("a"));
        await using SluiceProcess second = SluiceProcess.Start("serve", _directory.File("b"), "--port", first.Port.ToString(CultureInfo.InvariantCulture), "--quiet");
        bool exited = await Wait.UntilAsync(() => second.HasExited, s_exitBound);

        (int byFirst, int bySecond, int other) = await WhoAnswersAsync(first.Port, "/who.txt");
        string[] errorLines = second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string report = $"second server on port {first.Port}: {(exited ? $"exited {second.ExitCode}" : $"still running after {s_exitBound.TotalSeconds} s")}, stderr {errorLines.Length} line(s): '{string.Join(" | ", errorLines)}'; "
            + $"{Requests} requests: {byFirst} answered by the first, {bySecond} by the second, {other} otherwise";
        Assert.True(exited && second.ExitCode != 0, report);
        Assert.True(errorLines.Length == 1 && errorLines[0].StartsWith("sluice: ", StringComparison.Ordinal), report);
        Assert.True(byFirst == Requests, report);
        Assert.False(first.Process.HasExited, report);
    }

    [Fact]
    public async Task MetricsOnTheMainPortFails()
    {
        int port = FreePort();
        string portText = port.ToString(CultureInfo.InvariantCulture);
        await using SluiceProcess server = SluiceProcess.Start("serve", _directory.File("a"), "--port", portText, "--metrics", $"127.0.0.1:{portText}", "--quiet");
        bool exited = await Wait.UntilAsync(() => server.HasExited, s_exitBound);

        string report = $"--port {port} --metrics 127.0.0.1:{port}: {(exited ? $"exited {server.ExitCode}" : $"still running after {s_exitBound.TotalSeconds} s")}; stderr: '{server.Stderr.Trim()}'";
        if (!exited)
        {
            (int files, _, int other) = await WhoAnswersAsync(port, "/who.txt");
            report += $"; {Requests} file requests: {files} served the file, {other} did not";
        }

        Assert.True(exited && server.ExitCode != 0, report);
        Assert.True(server.Stderr.Trim().Split('\n').Length == 1, report);
    }

    // Fresh connections (a new one lands on either listener if the port is shared): who answered.
    private static async Task<(int First, int Second, int Other)> WhoAnswersAsync(int port, string target)
    {
        int first = 0, second = 0, other = 0;
        for (int i = 0; i < Requests; i++)
        {
            try
            {
                await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(port);
                await connection.SendAsync($"GET {target} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
                RawResponse response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
                switch (response.Status == 200 ? response.BodyText : "")
                {
                    case "first\n": first++; break;
                    case "second\n": second++; break;
                    default: other++; break;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or SocketException)
            {
                other++;
            }
        }

        return (first, second, other);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
