namespace Sluice.Cli.Tests;

// Black-box: resumable uploads stage beside the served directory by default; serving "/" has no
// "beside", so `sluice serve / --upload` is a one-line usage error rather than an exception at start.
public sealed class TusServeCommandTests
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task UploadsOnTheFileSystemRootWithoutAStagingDirectoryAreAUsageError()
    {
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, "serve", "/", "--port", "0", "--upload");

        Assert.Equal(2, exit);
        Assert.Contains("sluice: --upload on '/' needs --upload-staging DIR", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
    }
}
