namespace Sluice.Cli.Tests;

// Black-box: `sluice serve --upload` refuses to start where anyone could write without credentials.
public sealed class UploadCommandTests : IDisposable
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-cli-upload-" + Guid.NewGuid().ToString("N"));

    public UploadCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task UploadsWithoutAuthOnANetworkAddressAreRefusedAtStart()
    {
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--host", "0.0.0.0", "--port", "0", "--upload");

        Assert.Equal(2, exit);
        Assert.Contains("sluice: refusing --upload without --auth/--auth-file on 0.0.0.0", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadsWithoutAuthBehindATrustedProxyAreRefusedAtStart()
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "0", "--upload", "--trusted-proxy", "127.0.0.1");

        Assert.Equal(2, exit);
        Assert.Contains("sluice: refusing --upload without --auth/--auth-file behind --trusted-proxy", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadUploadModeIsAUsageError()
    {
        (int exit, _, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", _directory, "--port", "0", "--upload", "--upload-mode", "rw-r--r--");

        Assert.Equal(2, exit);
        Assert.Contains("--upload-mode takes octal permission bits", stderr, StringComparison.Ordinal);
    }
}
