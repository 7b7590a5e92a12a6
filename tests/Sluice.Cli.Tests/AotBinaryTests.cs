using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

// Issue 10 item 1: the Native AOT publish yields one self-contained `sluice`, without warnings,
// that serves files.
public sealed partial class AotBinaryTests : IClassFixture<AotPublishFixture>, IDisposable
{
    // Measured 6.7 MB (6,727,832 bytes) on 2026-11-30; 10.9 MB (10,859,096) on 2026-12-01 once
    // `sluice put` brought Spectre.Console's progress display in. Before the chart left the AOT
    // build it was 7.3 MB plus 11.5 MB of SkiaSharp natives beside it. The bound leaves room for
    // growth but not for the chart library coming back (the natives check below is the sharp one).
    private const long MaxBinaryBytes = 14L * 1024 * 1024;

    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly AotPublishFixture _aot;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-aot-serve-" + Guid.NewGuid().ToString("N"));

    public AotBinaryTests(AotPublishFixture aot)
    {
        _aot = aot;
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ThePublishHasNoWarnings()
    {
        Assert.DoesNotMatch(new Regex(@"warning [A-Z]+\d+", RegexOptions.IgnoreCase), _aot.PublishLog);
    }

    [Fact]
    public void TheBinaryIsOneSmallFileWithoutTheChartNatives()
    {
        var binary = new FileInfo(_aot.Executable);

        Assert.True(binary.Exists, $"{binary.FullName} missing:\n{_aot.PublishLog}");
        Assert.True(binary.Length < MaxBinaryBytes, $"sluice is {binary.Length} bytes, more than {MaxBinaryBytes}");
        string[] natives = Directory.GetFiles(_aot.OutputDirectory, "*.so");
        Assert.Empty(natives);
    }

    [Fact]
    public async Task TheBinaryServesAFileByteForByte()
    {
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(10).NextBytes(content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "blob.bin"), content);

        await using SluiceProcess sluice = SluiceProcess.StartExecutable(_aot.Executable, "serve", _directory, "--port", "0", "--quiet");
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        byte[] received = await client.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/blob.bin"));

        Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Convert.ToHexString(SHA256.HashData(received)));

        await sluice.SendSignalAsync("TERM");
        await sluice.WaitForExitAsync(s_quick);
        Assert.Equal(0, sluice.ExitCode);
    }

    [Fact]
    public async Task TheBinaryReportsUsageErrorsLikeTheJitBuild()
    {
        await using SluiceProcess sluice = SluiceProcess.StartExecutable(_aot.Executable, "serve", _directory, "--strategy", "teleport");
        await sluice.WaitForExitAsync(s_quick);

        Assert.Equal(2, sluice.ExitCode);
        Assert.Equal("sluice: --strategy takes one of auto, sendfile, buffered, copy, direct, dontcache (got 'teleport')\n", sluice.Stderr);
    }

    [Fact]
    public async Task TheBinarySaysTheChartIsNotInIt()
    {
        await using SluiceProcess sluice = SluiceProcess.StartExecutable(_aot.Executable, "bench", "--chart", Path.Combine(_directory, "c.png"));
        await sluice.WaitForExitAsync(s_quick);

        Assert.Equal(2, sluice.ExitCode);
        Assert.Contains("--chart is not available in this build", sluice.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
