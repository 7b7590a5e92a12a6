using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Tests.Uploads.Tus;

public sealed class StagingLocationTests : IDisposable
{
    private readonly string _base = DiskDirectory.NewPath("sluice-stageloc-");

    public StagingLocationTests() => Directory.CreateDirectory(Path.Combine(_base, "site", "sub"));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void DefaultIsAHiddenSiblingOfTheRoot()
    {
        string root = Path.Combine(_base, "site");
        string? staging = StagingLocation.DefaultFor(root + "/");
        Assert.Equal(Path.Combine(_base, ".site.sluice-staging"), staging);
        Assert.False(StagingLocation.IsInside(staging!, root));
        Assert.Null(StagingLocation.DefaultFor("/"));
    }

    [Fact]
    public void StagingInsideTheServedTreeIsDetected()
    {
        string root = Path.Combine(_base, "site");
        Assert.True(StagingLocation.IsInside(root, root));
        Assert.True(StagingLocation.IsInside(Path.Combine(root, "sub"), root));
        Assert.True(StagingLocation.IsInside(Path.Combine(root, "not-yet", "deeper"), root));
        Assert.False(StagingLocation.IsInside(Path.Combine(_base, "site-staging"), root));

        // A path outside that is a symlink into the tree is inside.
        string link = Path.Combine(_base, "link");
        Directory.CreateSymbolicLink(link, Path.Combine(root, "sub"));
        Assert.True(StagingLocation.IsInside(Path.Combine(link, "staging"), root));
    }

    [Fact]
    public void ServerOptionsRefuseStagingInsideTheRoot()
    {
        string root = Path.Combine(_base, "site");
        var inside = new ServerOptions { Root = root, UploadStaging = Path.Combine(root, "sub") };
        Assert.Contains(inside.Validate(), e => e.Contains("--upload-staging", StringComparison.Ordinal));
        var outside = new ServerOptions { Root = root, UploadStaging = Path.Combine(_base, "staging") };
        Assert.DoesNotContain(outside.Validate(), e => e.Contains("--upload-staging", StringComparison.Ordinal));
    }
}
