using System.Diagnostics;
using System.Text.Json;

namespace Sluice.Cli.Tests;

// Black-box tests of `sluice bench`: the built sluice.dll run with the dotnet host, with a small
// file so that a whole bench (two real server processes) takes seconds.
public sealed class BenchCommandTests : IDisposable
{
    private const long EightMiB = 8L << 20;
    private static readonly TimeSpan s_benchTimeout = TimeSpan.FromMinutes(3);
    private static readonly string[] s_requiredRunFields =
        ["strategy", "cache", "round", "bytes", "dataPathCalls", "kernelReadCalls", "contextSwitches", "cpuMs", "machineCpuMs", "machineStealMs", "mbPerSec", "pageCacheMiB"];

    private static readonly string[] s_requiredSpreads = ["mbPerSec", "dataPathCalls", "cpuMsPerGiB", "machineCpuMsPerGiB", "fileCacheMiB"];

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
    public async Task RoundsAreSummarizedAsMedianAndSpreadInTheJsonTheTableAndTheChart()
    {
        string json = Path.Combine(_directory, "bench.json");
        string chart = Path.Combine(_directory, "bench.svg");

        (int exit, string stdout, string stderr) = await RunAsync(
            "bench", "--size", "8MiB", "--strategies", "buffered,copy,sendfile", "--cache", "warm", "--repeat", "2", "--json", json, "--chart", chart);

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        JsonElement root = document.RootElement;
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        JsonElement[] runs = root.GetProperty("runs").EnumerateArray().ToArray();
        Assert.Equal(6, runs.Length);
        foreach (JsonElement run in runs)
        {
            foreach (string field in s_requiredRunFields)
            {
                Assert.True(run.TryGetProperty(field, out _), $"run lacks '{field}': {run}");
            }

            Assert.Equal("warm", run.GetProperty("cache").GetString());
            Assert.Equal(EightMiB, run.GetProperty("bytes").GetInt64());
            Assert.True(run.GetProperty("mbPerSec").GetDouble() > 0);
            Assert.True(run.GetProperty("dataPathCalls").GetInt64() > 0);
            // The CPU clock has nanosecond resolution: unlike 10 ms ticks, it never reads 0 for a transfer of 8 MiB.
            Assert.True(run.GetProperty("cpuMs").GetDouble() > 0, run.ToString());
        }

        JsonElement[] summary = root.GetProperty("summary").EnumerateArray().ToArray();
        Assert.Equal(["buffered", "copy", "sendfile"], summary.Select(s => s.GetProperty("strategy").GetString()));
        foreach (JsonElement row in summary)
        {
            Assert.Equal(2, row.GetProperty("rounds").GetInt32());
            string strategy = row.GetProperty("strategy").GetString()!;
            double[] mbPerSec = runs.Where(r => r.GetProperty("strategy").GetString() == strategy).Select(r => r.GetProperty("mbPerSec").GetDouble()).ToArray();
            JsonElement spread = row.GetProperty("mbPerSec");
            Assert.Equal(mbPerSec.Min(), spread.GetProperty("min").GetDouble());
            Assert.Equal(mbPerSec.Max(), spread.GetProperty("max").GetDouble());
            Assert.Equal(mbPerSec.Average(), spread.GetProperty("median").GetDouble(), 6);
            foreach (string field in s_requiredSpreads)
            {
                Assert.True(row.GetProperty(field).TryGetProperty("median", out _), $"summary lacks '{field}.median': {row}");
            }
        }

        JsonElement buffered = summary.Single(r => r.GetProperty("strategy").GetString() == "buffered");
        JsonElement sendfile = summary.Single(r => r.GetProperty("strategy").GetString() == "sendfile");
        double bufferedCalls = buffered.GetProperty("dataPathCalls").GetProperty("median").GetDouble();
        Assert.True(bufferedCalls > sendfile.GetProperty("dataPathCalls").GetProperty("median").GetDouble(), $"buffered {buffered}\nsendfile {sendfile}");
        // 8 MiB in 32 KiB chunks: one pread and at least one send per chunk, and the kernel's own count of the reads.
        Assert.True(bufferedCalls >= 2 * (EightMiB / (32 * 1024)), buffered.ToString());
        Assert.True(buffered.GetProperty("kernelReadCalls").GetProperty("min").GetDouble() >= EightMiB / (32 * 1024), buffered.ToString());

        // Without --strace the call-count claims are reported as unchecked, not asserted.
        JsonElement[] verdicts = root.GetProperty("verdicts").EnumerateArray().ToArray();
        Assert.Equal("NotChecked", verdicts.Single(v => v.GetProperty("claim").GetString() == "buffered-calls").GetProperty("outcome").GetString());
        Assert.Contains("[unchecked ] buffered (warm)", stdout, StringComparison.Ordinal);

        Assert.Contains("data-path calls", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("syscalls", stdout, StringComparison.Ordinal);
        Assert.Contains("median (min–max)", stdout, StringComparison.Ordinal);
        Assert.Contains("loopback", stdout, StringComparison.Ordinal);
        Assert.StartsWith("<?xml", await File.ReadAllTextAsync(chart), StringComparison.Ordinal);
        // The test file and the directory the bench made for it are gone.
        string testFile = TestFileIn(stderr);
        Assert.False(File.Exists(testFile), testFile);
        Assert.False(Directory.Exists(Path.GetDirectoryName(testFile)), testFile);
    }

    [Fact]
    public async Task RepeatDefaultsToThreeRounds()
    {
        (int exit, string stdout, _) = await RunAsync("bench", "--help");

        Assert.Equal(0, exit);
        string line = stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--repeat", StringComparison.Ordinal));
        Assert.Contains("[default: 3]", line, StringComparison.Ordinal);
        Assert.Contains("copy", stdout, StringComparison.Ordinal);
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
