using Sluice.Core.Archive;

namespace Sluice.Core.Tests.Archive;

public sealed class ArchiveQueryTests
{
    [Theory]
    [InlineData("/dir/", ArchiveRequest.None)]
    [InlineData("/dir/?sort=name", ArchiveRequest.None)]
    [InlineData("/dir/?archive=tar", ArchiveRequest.Tar)]
    [InlineData("/dir/?sort=name&archive=tar", ArchiveRequest.Tar)]
    [InlineData("/dir/?archive=zip", ArchiveRequest.Unsupported)]
    [InlineData("/dir/?archive=", ArchiveRequest.Unsupported)]
    [InlineData("/dir/?archive=tar#x", ArchiveRequest.Tar)]
    [InlineData("/dir/?xarchive=tar", ArchiveRequest.None)]
    [InlineData("/dir/?archive=TAR", ArchiveRequest.Unsupported)]
    public void ParsesTheArchiveParameter(string target, ArchiveRequest expected) =>
        Assert.Equal(expected, ArchiveQuery.Parse(target));
}

public sealed class ContentDispositionTests
{
    [Fact]
    public void AsciiNameIsQuotedAlone() =>
        Assert.Equal("attachment; filename=\"photos.tar\"", ContentDisposition.Attachment("photos.tar"));

    [Fact]
    public void NonAsciiNameGetsAnRfc8187FilenameStar() =>
        Assert.Equal("attachment; filename=\"caf_.tar\"; filename*=UTF-8''caf%C3%A9.tar", ContentDisposition.Attachment("café.tar"));

    [Fact]
    public void QuoteAndBackslashNeverEndTheQuotedString() =>
        Assert.Equal("attachment; filename=\"a_b_.tar\"; filename*=UTF-8''a%22b%5C.tar", ContentDisposition.Attachment("a\"b\\.tar"));
}
