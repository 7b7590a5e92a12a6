using System.Diagnostics;
using System.Text.Json;

namespace Sluice.Cli.Tests;

// Black-box tests of `sluice bench`: the built sluice.dll run with the dotnet host, with a small
// file so that a whole bench (two real server processes) takes seconds.
public sealed class BenchCommandTests : IDisposable
{
    private const long EightMiB = 8L << 20;
    private static readonly TimeSpan s_benchTimeout = TimeSpan.FromMinutes(3);
    private static readonly string[] s_requiredFields =
        ["strategy", "cache", "bytes", "syscalls", "contextSwitches", "cpuMs", "machineCpuMs", "mbPerSec", "pageCacheMiB"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-bench-tests-" + Guid.NewGuid().ToString("N"));

    public BenchCommandTests()
    {
        Directory.CreateDirectory(_directory);
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
    public async Task BufferedAndSendfileWarmWriteTheRequiredJson()
    {
        string json = Path.Combine(_directory, "bench.json");
        string chart = Path.Combine(_directory, "bench.svg");

        (int exit, string stdout, string stderr) = await RunAsync(
            "bench", "--size", "8MiB", "--strategies", "buffered,sendfile", "--cache", "warm", "--json", json, "--chart", chart);

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        JsonElement[] runs = document.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, runs.Length);
        foreach (JsonElement run in runs)
        {
            foreach (string field in s_requiredFields)
            {
                Assert.True(run.TryGetProperty(field, out _), $"run lacks '{field}': {run}");
            }

            Assert.Equal("warm", run.GetProperty("cache").GetString());
            Assert.Equal(EightMiB, run.GetProperty("bytes").GetInt64());
            Assert.True(run.GetProperty("mbPerSec").GetDouble() > 0);
            Assert.True(run.GetProperty("syscalls").GetInt64() > 0);
        }

        JsonElement buffered = runs.Single(r => r.GetProperty("strategy").GetString() == "buffered");
        JsonElement sendfile = runs.Single(r => r.GetProperty("strategy").GetString() == "sendfile");
        Assert.True(buffered.GetProperty("syscalls").GetInt64() > sendfile.GetProperty("syscalls").GetInt64(), $"buffered {buffered}\nsendfile {sendfile}");
        // 8 MiB in 32 KiB chunks: one pread and at least one send per chunk.
        Assert.True(buffered.GetProperty("syscalls").GetInt64() >= 2 * (EightMiB / (32 * 1024)), buffered.ToString());

        Assert.Contains("buffered", stdout, StringComparison.Ordinal);
        Assert.Contains("Seed claims", stdout, StringComparison.Ordinal);
        Assert.Contains("loopback", stdout, StringComparison.Ordinal);
        Assert.StartsWith("<?xml", await File.ReadAllTextAsync(chart), StringComparison.Ordinal);
        // The test file and the directory the bench made for it are gone.
        string testFile = TestFileIn(stderr);
        Assert.False(File.Exists(testFile), testFile);
        Assert.False(Directory.Exists(Path.GetDirectoryName(testFile)), testFile);
    }

    [Fact]
    public async Task UnknownStrategyIsAUsageError()
    {
        (int exit, _, string stderr) = await RunAsync("bench", "--size", "1MiB", "--strategies", "buffered,mmap");

        Assert.Equal(2, exit);
        Assert.Contains("mmap", stderr, StringComparison.Ordinal);
    }

    // The progress line "sluice bench: /var/tmp/sluice-bench-…/sluice-bench-PID.bin; Linux …".
    private static string TestFileIn(string stderr)
    {
        string? line = stderr.Split('\n').FirstOrDefault(l => l.StartsWith("sluice bench: /", StringComparison.Ordinal) && l.Contains(".bin;", StringComparison.Ordinal));
        Assert.True(line is not null, stderr);
        return line["sluice bench: ".Length..line.IndexOf(".bin;", StringComparison.Ordinal)] + ".bin";
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "sluice.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the Cli project reference should copy it");
        string? host = Environment.ProcessPath;
        var start = new ProcessStartInfo(host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_benchTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
