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
        Assert.DoesNotContain(".hidden\"", html, StringComparison.Ordinal); // neither in a data-name nor an href
        Assert.DoesNotContain(">.hidden", html, StringComparison.Ordinal);
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

    [Fact]
    public async Task WithDotfilesHiddenNamesAreListed()
    {
        await using var server = TestServer.Start(configure: o => o with { ServeDotfiles = true });

        string[] hrefs = Hrefs((await server.GetAsync("/listing/")).BodyText);

        Assert.Contains(".hidden", hrefs);
        Assert.Contains("plain.txt", hrefs);
        Assert.DoesNotContain("./", hrefs);
    }

    [Fact]
    public async Task ASymlinkToAHiddenDirectoryIsNotListed()
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf(".git"));
        File.CreateSymbolicLink(server.PathOf("docs"), ".git");

        string[] hrefs = Hrefs((await server.GetAsync("/")).BodyText);

        Assert.Contains("tiny.txt", hrefs);
        Assert.DoesNotContain("docs/", hrefs);
        Assert.DoesNotContain("docs", hrefs);
    }

    [Fact]
    public async Task AListingStopsAtItsEntryCapAndSaysSo()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxListingEntries = 5 });
        Directory.CreateDirectory(server.PathOf("many"));
        for (int i = 0; i < 12; i++)
        {
            File.WriteAllText(server.PathOf($"many/f{i:D2}.txt"), "x");
        }

        File.WriteAllText(server.PathOf("many/.dot"), "hidden entries do not count");
        RawResponse capped = await server.GetAsync("/many/");
        RawResponse small = await server.GetAsync("/listing/");

        Assert.Equal(200, capped.Status);
        Assert.Equal(["../", "f00.txt", "f01.txt", "f02.txt", "f03.txt", "f04.txt"], Hrefs(capped.BodyText)); // the first five by name, whatever readdir's order
        Assert.Contains("Listing truncated: only 5 entries", capped.BodyText, StringComparison.Ordinal);
        Assert.Equal(4, Hrefs(small.BodyText).Length); // "../", "sub/", two files: under the cap
        Assert.DoesNotContain("truncated", small.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AListingIsRenderedOncePerDirectoryVersion()
    {
        await using var server = TestServer.Start();
        global::Sluice.Server.Files.ListingCache listings = server.Server.Handler.Listings;

        string first = (await server.GetAsync("/listing/")).BodyText;
        long misses = listings.Misses;
        long hits = listings.Hits;
        Assert.Equal(first, (await server.GetAsync("/listing/")).BodyText);
        Assert.Equal(hits + 1, listings.Hits);
        Assert.Equal(misses, listings.Misses);

        // A new entry changes the directory's mtime: the next listing is read again and shows it.
        File.WriteAllText(server.PathOf("listing/new.txt"), "new");
        string after = (await server.GetAsync("/listing/")).BodyText;
        Assert.Contains("new.txt", Hrefs(after));
        Assert.Equal(misses + 1, listings.Misses);
    }

    private static string[] Hrefs(string html) => HrefRegex().Matches(html).Select(m => m.Groups[1].Value).ToArray();

    private static string DirectoryListingSize(long bytes) => Sluice.Core.Listing.DirectoryListingRenderer.FormatSize(bytes);

    // Entry links only (the parent and one per entry): sort, breadcrumb and paging links carry a
    // class or rel before their href.
    [GeneratedRegex("<a href=\"([^\"]*)\"")]
    private static partial Regex HrefRegex();
}
