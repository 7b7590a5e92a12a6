using System.Net;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

public sealed partial class DirectoryTests
{
    [Fact]
    public async Task DirectoryWithoutTrailingSlashRedirects()
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/dir");

        Assert.Equal(301, response.Status);
        Assert.Equal("/dir/", response.Header("Location"));

        RawResponse withQuery = await server.GetAsync("/listing/sub?x=1");
        Assert.Equal(301, withQuery.Status);
        Assert.Equal("/listing/sub/?x=1", withQuery.Header("Location"));
    }

    [Fact]
    public async Task IndexHtmlIsServed()
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/dir/");

        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.IndexHtml, response.BodyText);
        Assert.StartsWith("text/html", response.Header("Content-Type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListingEscapesNamesAndHidesDotfiles()
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/listing/");

        Assert.Equal(200, response.Status);
        Assert.Equal("text/html; charset=utf-8", response.Header("Content-Type"));
        string html = response.BodyText;
        Assert.Contains("a&amp;b &lt;c&gt;.txt", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<c>", html, StringComparison.Ordinal);
        Assert.Contains("plain.txt", html, StringComparison.Ordinal);
        Assert.Contains("sub/", html, StringComparison.Ordinal);
        Assert.DoesNotContain(".hidden", html, StringComparison.Ordinal);
        Assert.Contains("charset", html, StringComparison.OrdinalIgnoreCase);

        // Every file link resolves to the file it names.
        string[] hrefs = HrefRegex().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();
        string amp = Assert.Single(hrefs, h => Uri.UnescapeDataString(h) == "a&b <c>.txt");
        Assert.DoesNotContain(' ', amp);
        RawResponse file = await server.GetAsync("/listing/" + amp);
        Assert.Equal(200, file.Status);
        Assert.Equal("ampersand and angle brackets\n", file.BodyText);
    }

    [Fact]
    public async Task DotfileIsNotListedInTheRootEither()
    {
        await using var server = TestServer.Start();
        File.WriteAllText(server.PathOf(".env"), "PASSWORD=x\n");

        RawResponse response = await server.GetAsync("/");

        Assert.Equal(200, response.Status);
        Assert.Contains("tiny.txt", response.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(".env", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileWithTrailingSlashIsNotFound()
    {
        await using var server = TestServer.Start();
        Assert.Equal(404, (await server.GetAsync("/tiny.txt/")).Status);
        Assert.Equal(404, (await server.GetAsync("/no-such-file")).Status);
    }

    [Fact]
    public async Task ListingShowsSymlinksInsideTheRootAndHidesThoseLeavingIt()
    {
        await using var server = TestServer.Start();

        RawResponse listing = await server.GetAsync("/");

        Assert.Equal(200, listing.Status);
        string[] hrefs = HrefRegex().Matches(listing.BodyText).Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains("link-in", hrefs);
        Assert.DoesNotContain("link-out", hrefs);
        Assert.DoesNotContain("link-out-rel", hrefs);
        // The inside link is listed with its target's size, as a request for it would get.
        Assert.Contains(DirectoryListingSize(TestServer.BlocksLength), listing.BodyText);
    }

    [Fact]
    public async Task WithFollowSymlinksTheOutsideLinksAreListedToo()
    {
        await using var server = TestServer.Start(configure: o => o with { FollowSymlinks = true });

        string[] hrefs = HrefRegex().Matches((await server.GetAsync("/")).BodyText).Select(m => m.Groups[1].Value).ToArray();

        Assert.Contains("link-out", hrefs);
        Assert.Contains("link-out-rel", hrefs);
    }

    private static string DirectoryListingSize(long bytes) => Sluice.Core.Listing.DirectoryListingRenderer.FormatSize(bytes);

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex HrefRegex();
}
