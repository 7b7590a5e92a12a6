using Sluice.Cli.Put;

namespace Sluice.Cli.Tests;

// The pure parts of `sluice put`: the sidecar state that decides resume or start over, the target
// URL, and the backoff.
public sealed class PutStateTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-put-state-" + Guid.NewGuid().ToString("N"));

    public PutStateTests()
    {
        Directory.CreateDirectory(_directory);
    }

    private string FilePath => Path.Combine(_directory, "data.bin");

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
    public void StateRoundTripsBesideTheFileAndMatchesTheSameVersion()
    {
        File.WriteAllBytes(FilePath, new byte[1000]);
        var info = new FileInfo(FilePath);
        PutState.For(info, "http://h/a.bin", "http://h/-/uploads/0123456789abcdef0123456789abcdef").Save(FilePath);

        Assert.True(File.Exists(FilePath + ".sluice-put"));
        Assert.False(File.Exists(FilePath + ".sluice-put.tmp"));
        PutState? loaded = PutState.Load(FilePath);
        Assert.NotNull(loaded);
        Assert.Equal("http://h/-/uploads/0123456789abcdef0123456789abcdef", loaded.UploadUrl);
        Assert.True(loaded.Matches(new FileInfo(FilePath), "http://h/a.bin"));

        PutState.Delete(FilePath);
        Assert.Null(PutState.Load(FilePath));
    }

    [Fact]
    public void AChangedFileOrAnotherTargetDoesNotMatch()
    {
        File.WriteAllBytes(FilePath, new byte[1000]);
        PutState state = PutState.For(new FileInfo(FilePath), "http://h/a.bin", "http://h/-/uploads/x");

        Assert.False(state.Matches(new FileInfo(FilePath), "http://h/b.bin"));

        File.SetLastWriteTimeUtc(FilePath, File.GetLastWriteTimeUtc(FilePath).AddSeconds(-10));
        Assert.False(state.Matches(new FileInfo(FilePath), "http://h/a.bin"), "same size, other mtime");

        state = PutState.For(new FileInfo(FilePath), "http://h/a.bin", "http://h/-/uploads/x");
        DateTime mtime = File.GetLastWriteTimeUtc(FilePath);
        File.WriteAllBytes(FilePath, new byte[1001]);
        File.SetLastWriteTimeUtc(FilePath, mtime);
        Assert.False(state.Matches(new FileInfo(FilePath), "http://h/a.bin"), "same mtime, other size");
    }

    [Theory]
    [InlineData("")]
    [InlineData("target http://h/a\nupload http://h/u\nsize 10\n")]
    [InlineData("target http://h/a\nupload http://h/u\nsize -1\nmtime 5\n")]
    [InlineData("target http://h/a\nupload http://h/u\nsize ten\nmtime 5\n")]
    public void AnUnreadableStateIsIgnored(string text)
    {
        File.WriteAllText(FilePath + ".sluice-put", text);
        Assert.Null(PutState.Load(FilePath));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/dir/a.bin", "x.bin", false, "127.0.0.1:8080", "/dir/a.bin", "dir/a.bin")]
    [InlineData("http://127.0.0.1:8080/dir/", "my file.bin", false, "127.0.0.1:8080", "/dir/my%20file.bin", "dir/my file.bin")]
    [InlineData("https://localhost/", "a.bin", true, "localhost", "/a.bin", "a.bin")]
    [InlineData("https://localhost:8443/caf%C3%A9.txt", "a.bin", true, "localhost:8443", "/caf%C3%A9.txt", "caf\u00e9.txt")]
    [InlineData("http://[::1]:81/a", "a.bin", false, "[::1]:81", "/a", "a")]
    public void TargetKeepsThePathAndNamesTheFileInADirectory(string url, string file, bool tls, string authority, string path, string relative)
    {
        Assert.True(PutTarget.TryParse(url, file, out PutTarget? target, out string error), error);
        Assert.Equal(tls, target!.IsTls);
        Assert.Equal(authority, target.Authority);
        Assert.Equal(path, target.Path);
        Assert.Equal(relative, target.RelativePath);
    }

    [Theory]
    [InlineData("ftp://h/a")]
    [InlineData("/relative/a")]
    [InlineData("http://user:pw@h/a")]
    [InlineData("http://h/a?x=1")]
    [InlineData("http://h/a#f")]
    public void TargetRefusesWhatItCannotPutTo(string url)
    {
        Assert.False(PutTarget.TryParse(url, "a.bin", out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void BackoffDoublesFromAQuarterSecondUpToEightSeconds()
    {
        Assert.Equal(
            [0.25, 0.5, 1, 2, 4, 8, 8, 8],
            Enumerable.Range(0, 8).Select(a => PutRunner.Backoff(a).TotalSeconds));
        Assert.Equal(8, PutRunner.Backoff(100).TotalSeconds);
    }
}
