using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Listing;

namespace Sluice.Core.Tests.Listing;

public sealed partial class DirectoryListingRendererTests
{
    private static readonly DateTimeOffset s_modified = new(2024, 3, 5, 14, 7, 59, TimeSpan.Zero);

    private static string Render(string path, params DirectoryEntry[] entries) =>
        Encoding.UTF8.GetString(DirectoryListingRenderer.Render(path, entries));

    private static DirectoryEntry File(string name, long size = 1) => new(name, false, size, s_modified);

    private static DirectoryEntry Dir(string name) => new(name, true, 4096, s_modified);

    [GeneratedRegex("<a href=\"([^\"]*)\">")]
    private static partial Regex Href();

    private static List<string> Hrefs(string html) => Href().Matches(html).Select(m => m.Groups[1].Value).ToList();

    [Fact]
    public void IsAUtf8Html5PageWithTitleAndHeading()
    {
        byte[] bytes = DirectoryListingRenderer.Render("/docs/€/", [File("ü.txt")]);
        string html = Encoding.UTF8.GetString(bytes);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<meta charset=\"utf-8\">", html);
        Assert.Contains("<title>Index of /docs/€/</title>", html);
        // The heading is the breadcrumb trail: each ancestor a relative link, the current one plain.
        Assert.Contains("<h1>Index of <a class=\"crumb\" href=\"../../\">/</a><a class=\"crumb\" href=\"../\">docs</a>/€/</h1>", html);
        Assert.Contains("ü.txt", html);
        Assert.Equal(bytes, Encoding.UTF8.GetBytes(html)); // really UTF-8, no BOM
        Assert.NotEqual(0xEF, bytes[0]);
    }

    [Fact]
    public void EscapesNamesAndRequestPath()
    {
        string html = Render("/<script>&'\"/", File("<b>&\"x'.txt"));

        Assert.Contains("Index of /&lt;script&gt;&amp;&#39;&quot;/", html);
        Assert.Contains(">&lt;b&gt;&amp;&quot;x&#39;.txt</a>", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Single(Regex.Matches(html, "<script>")); // the page's own script, not the name's
        Assert.Contains("data-name=\"&lt;b&gt;&amp;&quot;x&#39;.txt\"", html);
        Assert.Equal(["../", "%3Cb%3E%26%22x%27.txt"], Hrefs(html));
    }

    [Fact]
    public void PercentEncodesHrefsAndMarksDirectories()
    {
        string html = Render("/", File("a b#c?.txt"), Dir("sub dir"), File("100%.txt"));
        Assert.Equal(["sub%20dir/", "100%25.txt", "a%20b%23c%3F.txt"], Hrefs(html));
        Assert.Contains(">sub dir/</a>", html);
        Assert.Contains(">a b#c?.txt</a>", html);
    }

    [Fact]
    public void HidesDotfiles()
    {
        string html = Render("/", File(".env"), Dir(".git"), File("visible"), Dir("."), Dir(".."));
        Assert.Equal(["visible"], Hrefs(html));
        Assert.DoesNotContain(".env", html);
        Assert.DoesNotContain(".git", html);
    }

    [Fact]
    public void DirectoriesFirstThenFilesEachSortedNaturally()
    {
        string html = Render("/x/", File("b"), Dir("Z"), File("B"), Dir("a"), File("a"), File("_"), Dir("é"), File("f10"), File("f9"));
        // Case-insensitive as upper case ('_' after the letters), ties ordinal (uppercase first),
        // digit runs by value, non-ASCII last.
        Assert.Equal(["../", "a/", "Z/", "%C3%A9/", "a", "B", "b", "f9", "f10", "_"], Hrefs(html));
    }

    [Fact]
    public void ParentLinkUnlessAtTheRoot()
    {
        Assert.DoesNotContain("href=\"../\"", Render("/", File("f")));
        Assert.Contains("href=\"../\"", Render("/a/", File("f")));
        Assert.Contains("href=\"../\"", Render("/a/b/"));
    }

    [Fact]
    public void ShowsHumanSizesDashForDirectoriesAndUtcDates()
    {
        var local = new DateTimeOffset(2024, 3, 5, 16, 7, 59, TimeSpan.FromHours(2));
        string html = Render("/", new DirectoryEntry("big.iso", false, 1536L * 1024 * 1024, local), Dir("d"));

        Assert.Contains(">1.5 GiB</td>", html);
        Assert.Contains(">-</td>", html);
        Assert.Contains("<time datetime=\"2024-03-05T14:07:59Z\">2024-03-05 14:07 UTC</time>", html);
        Assert.DoesNotContain("4096", html); // a directory's own size is meaningless
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(1572864, "1.5 MiB")]
    [InlineData(10L * 1024 * 1024 * 1024, "10 GiB")]
    [InlineData(long.MaxValue, "8 EiB")]
    public void FormatSize(long size, string expected)
    {
        Assert.Equal(expected, DirectoryListingRenderer.FormatSize(size));
    }

    [Fact]
    public void EmptyDirectoryStillRendersATable()
    {
        string html = Render("/empty/");
        Assert.Contains("<table>", html);
        Assert.Contains("</html>", html);
        Assert.Equal(["../"], Hrefs(html));
    }

    [Fact]
    public void HiddenNamesAreListedOnlyWhenAskedFor()
    {
        DirectoryEntry[] entries = [File(".env"), Dir(".git"), File("a.txt"), Dir("."), Dir("..")];

        List<string> hidden = Hrefs(Encoding.UTF8.GetString(DirectoryListingRenderer.Render("/d/", entries)));
        List<string> shown = Hrefs(Encoding.UTF8.GetString(DirectoryListingRenderer.Render("/d/", entries, includeHidden: true)));

        Assert.Equal(["../", "a.txt"], hidden);
        Assert.Equal(["../", ".git/", ".env", "a.txt"], shown);
    }

    [Fact]
    public void ATruncatedListingSaysSo()
    {
        string truncated = Encoding.UTF8.GetString(DirectoryListingRenderer.Render("/d/", [File("a"), File("b")], truncated: true));
        string whole = Render("/d/", File("a"), File("b"));

        Assert.Contains("Listing truncated: only 2 entries", truncated, StringComparison.Ordinal);
        Assert.DoesNotContain("truncated", whole, StringComparison.Ordinal);
    }
}
