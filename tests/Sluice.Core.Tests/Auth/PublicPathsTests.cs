using Sluice.Core.Auth;

namespace Sluice.Core.Tests.Auth;

public sealed class PublicPathsTests
{
    [Theory]
    [InlineData("pub", true)]
    [InlineData("pub/a.txt", true)]
    [InlineData("pub/deep/er", true)]
    [InlineData("pubkeys", false)]
    [InlineData("pu", false)]
    [InlineData("", false)]
    [InlineData("other/pub", false)]
    [InlineData("docs/v1/x", true)]
    [InlineData("docs/v2", false)]
    public void MatchesWholeSegments(string relative, bool expected)
    {
        var paths = new PublicPaths(["/pub/", "docs/v1"]);
        Assert.Equal(expected, paths.Contains(relative));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/a/../b")]
    [InlineData("/a//b")]
    [InlineData("./a")]
    public void ValidateRefusesRootAndDotSegments(string prefix)
    {
        Assert.NotNull(PublicPaths.Validate(prefix));
    }

    [Fact]
    public void ValidateAcceptsAPlainPath() => Assert.Null(PublicPaths.Validate("/pub/files/"));
}
