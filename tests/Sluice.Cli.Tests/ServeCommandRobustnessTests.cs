using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Cli.Tests;

// The defects a hostile environment exposed, tested on the real executable: a port bound twice,
// a stalled log pipe, descriptor exhaustion, and the metrics describing the server process.
public sealed partial class ServeCommandRobustnessTests : IDisposable
{
    private const string Hello = "GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-robust-" + Guid.NewGuid().ToString("N"));

    public ServeCommandRobustnessTests()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "hello.txt"), "hello\n");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ASecondServerOnTheSamePortFailsWithOneLine()
    {
        await using SluiceProcess first = SluiceProcess.Start("serve", _directory, "--port", "0", "--quiet");
        int port = await PortOfAsync(first);

        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", port.ToString(CultureInfo.InvariantCulture));

        // Before: SO_REUSEPORT let it start silently and take half the connections.
        Assert.Equal(1, exit);
        Assert.Equal($"sluice: cannot listen on 127.0.0.1:{port} (main listener): address already in use (another server holds this port)", stderr.Trim());
        Assert.Equal("", stdout);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task MetricsOnTheMainPortFails()
    {
        int port = FreePort();

        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", port.ToString(CultureInfo.InvariantCulture), "--metrics", $"127.0.0.1:{port}");

        Assert.Equal(1, exit);
        Assert.Contains($"cannot listen on 127.0.0.1:{port} (metrics listener): address already in use", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--shutdown-timeout", "-1", "--shutdown-timeout must not be negative")]
    [InlineData("--max-connections-per-address", "-2", "--max-connections-per-address must not be negative")]
    [InlineData("--min-send-rate", "-5", "--min-send-rate and --min-send-rate-grace must not be negative")]
    public async Task NegativeLimitsAreUsageErrors(string option, string value, string message)
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "0", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStalledLogPipeStallsNeitherServingNorSigterm()
    {
        // stdout and stderr are pipes that nobody reads after the first line: once the 64 KiB pipe
        // buffers fill, every write to them blocks. Before: logging refusals on stderr blocked the
        // connections, and SIGTERM hung on the "shutting down" line.
        var start = new ProcessStartInfo(SluiceProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { SluiceProcess.SluiceDll, "serve", _directory, "--port", "0", "--header-timeout", "30" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        try
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().WaitAsync(s_quick)) is not null && !ServingRegex().IsMatch(line))
            {
            }

            Assert.NotNull(line);
            int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

            // 1500 refused requests (an info line and an access line each, ~150 bytes) and
            // 1500 served ones: far more than both pipes hold.
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 1500; i++)
            {
                Assert.StartsWith("HTTP/1.1 400 ", await RequestAsync(port, "BAD REQUEST LINE\r\n\r\n"), StringComparison.Ordinal);
                Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(port, "GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), StringComparison.Ordinal);
            }

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WaitAsync(s_quick);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task DescriptorExhaustionDoesNotKillTheServer()
    {
        // Before: with ulimit -n 256, 400 idle connections aborted the runtime ("Out of memory.",
        // SIGABRT) in 12 of 16 runs. Now the limits are fitted into RLIMIT_NOFILE at start.
        int port = FreePort();
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -n 256 && exec \"{SluiceProcess.DotnetHost}\" \"{SluiceProcess.SluiceDll}\" serve \"{_directory}\" --port {port} --quiet");
        using Process process = Process.Start(start)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.Append(e.Data).Append('\n');
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var sockets = new List<Socket>();
        try
        {
            Assert.True(await Wait.UntilAsync(() => Contains(stderr, "serving "), s_quick), Text(stderr));
            Assert.Contains("descriptor limit RLIMIT_NOFILE is 256 (hard 256): --max-connections lowered from 1024 to ", Text(stderr), StringComparison.Ordinal);
            for (int i = 0; i < 400; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(10));
            }

            // While they are held the server refuses, in words: 503, not a crash or a reset.
            Assert.StartsWith("HTTP/1.1 503 ", await RequestAsync(port, Hello), StringComparison.Ordinal);
            foreach (Socket socket in sockets)
            {
                socket.Dispose();
            }

            sockets.Clear();
            string answer = "";
            Assert.True(
                await Wait.UntilAsync(() => (answer = RequestAsync(port, Hello).GetAwaiter().GetResult()).StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal), s_quick),
                answer);
            Assert.False(process.HasExited, Text(stderr));
            Assert.DoesNotContain("Out of memory", Text(stderr), StringComparison.Ordinal);
        }
        finally
        {
            foreach (Socket socket in sockets)
            {
                socket.Dispose();
            }

            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync().WaitAsync(s_quick);
        }
    }

    [Fact]
    public async Task MetricsReportTheServerProcessCpuTime()
    {
        int metricsPort = FreePort();
        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--quiet", "--metrics", $"127.0.0.1:{metricsPort}");
        int port = await PortOfAsync(sluice);
        for (int i = 0; i < 300; i++)
        {
            await RequestAsync(port, "GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        }

        double before = ServerCpuSeconds(sluice.Id);
        string scraped = await RequestAsync(metricsPort, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
        double after = ServerCpuSeconds(sluice.Id);

        // The server's own user + system time from /proc/PID/stat brackets what it reported;
        // the test process's CPU time (far larger: it built the requests) would not fit.
        double reported = Series(scraped, "process_cpu_seconds_total");
        Assert.Equal(reported, Series(scraped, "sluice_process_cpu_seconds_total{mode=\"user\"}") + Series(scraped, "sluice_process_cpu_seconds_total{mode=\"system\"}"), 6);
        Assert.InRange(reported, before - 0.011, after + 0.011);
        Assert.True(before > 0, "the server used no CPU time?");
    }

    private static double ServerCpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static double Series(string text, string series)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no series {series} in\n{text}");
    }

    private static async Task<int> PortOfAsync(SluiceProcess sluice)
    {
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        return int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<string> RequestAsync(int port, string request)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
    }

    private static bool Contains(StringBuilder text, string value) => Text(text).Contains(value, StringComparison.Ordinal);

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
