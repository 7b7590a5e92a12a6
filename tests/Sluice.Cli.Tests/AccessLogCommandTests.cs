using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Cli.Tests;

// --access-log and --log-format on the real executable, and the SIGUSR1 reopen that logrotate's
// `postrotate kill -USR1` relies on.
public sealed partial class AccessLogCommandTests : IDisposable
{
    private static readonly TimeSpan s_logBound = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-accesslog-" + Guid.NewGuid().ToString("N"));

    public AccessLogCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "root"));
        File.WriteAllText(Path.Combine(_directory, "root", "hello.txt"), "hello\n");
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
    public async Task Sigusr1ReopensTheAccessLogAfterARename()
    {
        string log = Path.Combine(_directory, "access.log");
        await using SluiceProcess sluice = SluiceProcess.Start("serve", Path.Combine(_directory, "root"), "--port", "0", "--access-log", log, "--log-format", "combined");
        int port = await PortOfAsync(sluice);

        for (int i = 0; i < 3; i++)
        {
            Assert.Contains("200 OK", await GetAsync(port, $"/hello.txt?before={i}"), StringComparison.Ordinal);
        }

        Assert.True(await Wait.UntilAsync(() => Lines(log).Length == 3, s_logBound), string.Join('\n', Lines(log)));
        File.Move(log, log + ".1");
        using (Process kill = Process.Start("kill", ["-USR1", sluice.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(s_quick);
            Assert.Equal(0, kill.ExitCode);
        }

        // The reopen happens on the log's thread before its next line; the signal is delivered
        // asynchronously, so wait until the new file exists (it is opened, hence created, at once).
        Assert.True(await Wait.UntilAsync(() => File.Exists(log), s_logBound), "no new access.log after SIGUSR1");
        for (int i = 0; i < 4; i++)
        {
            Assert.Contains("200 OK", await GetAsync(port, $"/hello.txt?after={i}"), StringComparison.Ordinal);
        }

        Assert.True(await Wait.UntilAsync(() => Lines(log).Length == 4, s_logBound), string.Join('\n', Lines(log)));
        string[] old = Lines(log + ".1");
        string[] fresh = Lines(log);
        Assert.Equal(3, old.Length);
        Assert.All(old, line => Assert.Matches(CombinedBefore(), line));
        Assert.All(fresh, line => Assert.Matches(CombinedAfter(), line));
        Assert.False(sluice.HasExited, "SIGUSR1 must not end the server");
        Assert.DoesNotContain("hello.txt", sluice.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAccessLogInAMissingDirectoryIsAOneLineRuntimeError()
    {
        string log = Path.Combine(_directory, "no-such-dir", "access.log");
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", Path.Combine(_directory, "root"), "--port", "0", "--access-log", log);

        Assert.Equal(1, exit);
        Assert.Equal($"sluice: access log {log}: no such directory", stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task AnUnknownLogFormatIsAUsageError()
    {
        (_, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", Path.Combine(_directory, "root"), "--port", "0", "--log-format", "xml");

        // The exit code of usage errors is the command line's general rule (issue 10 item 5, with
        // its own tests), as is naming the option; here: the value and the choices, and nothing ran.
        Assert.Contains("'xml'", stderr, StringComparison.Ordinal);
        Assert.Contains("combined", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", stderr, StringComparison.Ordinal);
    }

    private static string[] Lines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }


    private static async Task<int> PortOfAsync(SluiceProcess sluice)
    {
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        return int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<string> GetAsync(int port, string target)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: a\r\nUser-Agent: cli-test\r\nConnection: close\r\n\r\n"), cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();

    [GeneratedRegex("""^127\.0\.0\.1 - - \[[^\]]+\] "GET /hello\.txt\?before=\d HTTP/1\.1" 200 6 "-" "cli-test"$""")]
    private static partial Regex CombinedBefore();

    [GeneratedRegex("""^127\.0\.0\.1 - - \[[^\]]+\] "GET /hello\.txt\?after=\d HTTP/1\.1" 200 6 "-" "cli-test"$""")]
    private static partial Regex CombinedAfter();
}
