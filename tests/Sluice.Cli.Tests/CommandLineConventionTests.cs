using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

// Issue 10 item 5: usage errors are one line naming the option and the expected form, in
// lowercase words (never a .NET type name), with exit code 2 and nothing more (UsageErrorShapeTests);
// run-time failures are one line with exit code 1.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class CommandLineConventionTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-conv-" + Guid.NewGuid().ToString("N"));

    public CommandLineConventionTests()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "hello.txt"), "hello\n");
    }

    public void Dispose()
    {
        foreach (string dir in Directory.GetDirectories(_directory))
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("--strategy", "teleport", "--strategy takes one of auto, sendfile, buffered, copy, direct, dontcache (got 'teleport')")]
    [InlineData("--large-strategy", "sendfile", "--large-strategy takes one of direct, dontcache (got 'sendfile')")]
    [InlineData("--port", "abc", "--port takes a port number 0-65535 such as 8080 (got 'abc')")]
    [InlineData("--header-timeout", "soon", "--header-timeout takes a number of seconds such as 10 (got 'soon')")]
    [InlineData("--min-send-rate", "1.5x", "--min-send-rate takes a whole number of bytes per second such as 240 (0 = off) (got '1.5x')")]
    [InlineData("--max-connections", "many", "--max-connections takes a whole number such as 1024 (got 'many')")]
    [InlineData("--direct-threshold", "4Q", "--direct-threshold takes a size in bytes, or with a K/M/G suffix, such as 4MiB (got '4Q')")]
    [InlineData("--io-engine", "epoll", "--io-engine takes one of auto, io_uring, threads (got 'epoll')")]
    [InlineData("--receive-strategy", "sendfile", "--receive-strategy takes one of auto, buffered, splice, dontcache, direct (got 'sendfile')")]
    public async Task ABadValueIsOneLineNamingTheOptionAndItsFormWithExit2(string option, string value, string message)
    {
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, option, value);

        Assert.Equal(2, exit);
        Assert.Equal($"sluice: {message}\n", stderr);
        Assert.Equal("", stdout);
        AssertNoDotnetNames(stderr);
    }

    [Fact]
    public async Task BenchRepeatIsCheckedTheSameWay()
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "bench", "--repeat", "x");

        Assert.Equal(2, exit);
        Assert.Equal("sluice: --repeat takes a whole number of rounds such as 3 (got 'x')\n", stderr);
    }

    [Fact]
    public async Task AnUnknownOptionIsNotTakenForTheDirectory()
    {
        // Before: "root directory '/cwd/--bogus' does not exist".
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", "--bogus");

        Assert.Equal(2, exit);
        Assert.Equal("sluice: unknown option '--bogus'\n", stderr);
    }

    [Fact]
    public async Task AMissingCommandIsAUsageError()
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "--bogus");

        // System.CommandLine's default is exit 1 with the whole help text.
        Assert.Equal(2, exit);
        Assert.Equal("sluice: required command was not provided\nsluice: unrecognized command or argument '--bogus'\n", stderr);
    }

    [Fact]
    public async Task HelpShowsLowercaseValuesAndHowToShareOnTheNetwork()
    {
        (int exit, string stdout, _) = await SluiceProcess.RunAsync(s_quick, "serve", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--strategy <auto|sendfile|buffered|copy|direct|dontcache>", stdout, StringComparison.Ordinal);
        Assert.Contains("--large-strategy <direct|dontcache>", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: auto]", stdout, StringComparison.Ordinal);
        Assert.Contains("--host 0.0.0.0 shares the directory on the network", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Auto|", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Direct]", stdout, StringComparison.Ordinal);
        AssertNoDotnetNames(stdout);
    }

    [Fact]
    public async Task AFileAsRootSaysSo()
    {
        string file = Path.Combine(_directory, "hello.txt");

        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", file, "--port", "0");

        // Before: "root directory '...' does not exist".
        Assert.Equal(2, exit);
        Assert.Equal($"sluice: root '{file}' is a file, not a directory\n", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task AnUnreadableRootIsOneLineWithExit1()
    {
        string locked = Path.Combine(_directory, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.None);

        // The tests run as root, whom no mode stops: run sluice as nobody (setpriv execs it, so
        // the process id is sluice's own).
        await using SluiceProcess sluice = SluiceProcess.StartUnder(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], "serve", locked, "--port", "0");
        await sluice.WaitForExitAsync(s_quick);

        // Before: an unhandled IOException with a stack trace.
        Assert.Equal(1, sluice.ExitCode);
        Assert.Equal($"sluice: cannot open root directory '{locked}': permission denied\n", sluice.Stderr);
    }

    [Fact]
    public async Task ABusyMetricsPortNamesTheMetricsListenerAndItsPort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int busy = ((IPEndPoint)holder.LocalEndpoint).Port;

        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(
            s_quick, "serve", _directory, "--port", "0", "--metrics", $"127.0.0.1:{busy}");

        Assert.Equal(1, exit);
        Assert.Equal($"sluice: cannot listen on 127.0.0.1:{busy} (metrics listener): address already in use (another server holds this port)\n", stderr);
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("localhost:0", "127.0.0.1")]
    [InlineData(":0", "127.0.0.1")]
    [InlineData("127.0.0.1:0", "127.0.0.1")]
    [InlineData("[::1]:0", "[::1]")]
    public async Task MetricsAcceptsTheUsualAddressForms(string endpoint, string expectedHost)
    {
        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--quiet", "--metrics", endpoint);
        string line = await sluice.WaitForStderrLineAsync(l => l.StartsWith("sluice: metrics on http://", StringComparison.Ordinal), s_quick);
        Match match = MetricsLine().Match(line);
        Assert.True(match.Success, line);
        Assert.Equal(expectedHost, match.Groups[1].Value);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string body = await client.GetStringAsync(new Uri($"http://{match.Groups[1].Value}:{match.Groups[2].Value}/metrics"));
        Assert.Contains("sluice_", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("::1:9100")]
    [InlineData("localhost")]
    [InlineData("example.com:9100")]
    [InlineData("localhost:70000")]
    public async Task MetricsRefusesOtherFormsNamingTheAcceptedOnes(string endpoint)
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "0", "--metrics", endpoint);

        Assert.Equal(2, exit);
        Assert.Equal($"sluice: --metrics '{endpoint}' is not HOST:PORT, :PORT or [IPv6]:PORT, e.g. localhost:9100\n", stderr);
    }

    [Fact]
    public async Task ListeningOnEveryInterfacePrintsTheAddressesToUse()
    {
        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--quiet", "--host", "0.0.0.0");
        string serving = await sluice.WaitForStderrLineAsync(l => l.Contains("serving ", StringComparison.Ordinal), s_quick);
        int port = int.Parse(AnyServingLine().Match(serving).Groups[1].Value, CultureInfo.InvariantCulture);

        string loopback = await sluice.WaitForStderrLineAsync(l => l.Contains("reachable at http://127.0.0.1:", StringComparison.Ordinal), s_quick);

        Assert.Equal($"sluice: reachable at http://127.0.0.1:{port}/ (lo)", loopback);
    }

    private static void AssertNoDotnetNames(string text)
    {
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Sluice.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("expected type", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"metrics on http://(127\.0\.0\.1|\[::1\]):(\d+)/metrics")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"serving .* on http://0\.0\.0\.0:(\d+)")]
    private static partial Regex AnyServingLine();
}
