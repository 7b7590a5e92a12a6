using System.Diagnostics;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// A real client: curl (.ci/run installs it).
public sealed class CurlTests
{
    private const string Curl = "/usr/bin/curl";

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task CurlDownloadsAFile(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string output = Path.Combine(server.BaseDirectory, "download.bin");

        (int exit, string stderr) = await RunCurlAsync("-sS", "--fail", "-o", output, new Uri(server.BaseUri, "random.bin").ToString());

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256OfFile(output));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task CurlResumesAnInterruptedDownload(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string source = server.PathOf("random.bin");
        string output = Path.Combine(server.BaseDirectory, "partial.bin");
        const int already = 1_234_567;
        File.WriteAllBytes(output, Fixtures.Slice(source, 0, already));

        (int exit, string stderr) = await RunCurlAsync("-sS", "--fail", "-C", "-", "-o", output, new Uri(server.BaseUri, "random.bin").ToString());

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(TestServer.RandomLength, new FileInfo(output).Length);
        Assert.Equal(Fixtures.Sha256OfFile(source), Fixtures.Sha256OfFile(output));
        Assert.True(
            await Wait.UntilAsync(() => server.AccessLog.Contains("\"GET /random.bin HTTP/1.1\" 206 ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            $"curl's resumed request was not answered 206:\n{server.AccessLog}");
    }

    private static async Task<(int Exit, string Stderr)> RunCurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Curl) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("30");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start curl");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
