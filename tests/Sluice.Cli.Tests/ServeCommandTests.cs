using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

// Black-box tests of the `sluice` executable.
public sealed partial class ServeCommandTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-tests-" + Guid.NewGuid().ToString("N"));

    public ServeCommandTests()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "hello.txt"), "hello from the cli test\n");
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
    public async Task HelpListsServe()
    {
        (int exit, string stdout, _) = await SluiceProcess.RunAsync(s_quick, "--help");

        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^\s+serve\b", stdout);
    }

    [Fact]
    public async Task ServeHelpDocumentsItsOptions()
    {
        (int exit, string stdout, _) = await SluiceProcess.RunAsync(s_quick, "serve", "--help");

        Assert.Equal(0, exit);
        foreach (string option in new[] { "--port", "--strategy", "--host", "--quiet" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }

        Assert.Contains("sendfile", stdout, StringComparison.Ordinal);
        Assert.Contains("buffered", stdout, StringComparison.Ordinal);
        Assert.Contains("DIR", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeAnswersThenStopsCleanlyOnSigterm()
    {
        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--strategy", "sendfile");
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(0, port);
        Assert.Contains(Path.GetFullPath(_directory), line, StringComparison.Ordinal);

        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/hello.txt"));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("hello from the cli test\n", await response.Content.ReadAsStringAsync());
        }

        var clock = Stopwatch.StartNew();
        await sluice.SendSignalAsync("TERM");
        await sluice.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed} to stop");
        Assert.True(sluice.ExitCode == 0, $"exit code {sluice.ExitCode}\nstderr:\n{sluice.Stderr}");
        Assert.Contains("\"GET /hello.txt HTTP/1.1\" 200", sluice.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigintAlsoStopsCleanly()
    {
        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--strategy", "buffered");
        await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);

        await sluice.SendSignalAsync("INT");
        await sluice.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(sluice.ExitCode == 0, $"exit code {sluice.ExitCode}\nstderr:\n{sluice.Stderr}");
        Assert.Contains("stopped", sluice.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDirectoryIsAClearErrorWithExitCode2()
    {
        string missing = Path.Combine(_directory, "does-not-exist");

        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", missing, "--port", "0");

        Assert.Equal(2, exit);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidOptionValuesAreRefused()
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "70000");

        Assert.NotEqual(0, exit);
        Assert.Contains("--port", stderr, StringComparison.Ordinal);

        (int strategyExit, _, string strategyError) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--strategy", "teleport");
        Assert.NotEqual(0, strategyExit);
        Assert.Contains("teleport", strategyError, StringComparison.Ordinal);
    }

    // "sluice: serving /dir on http://127.0.0.1:PORT (strategy ...)"
    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
