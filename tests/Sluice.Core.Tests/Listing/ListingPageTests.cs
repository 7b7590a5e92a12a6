using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Core.Listing;

namespace Sluice.Core.Tests.Listing;

public sealed partial class ListingPageTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 1, 4, 51, 0, TimeSpan.Zero);

    private static DirectoryEntry File(string name, long size, int minutes = 0) => new(name, false, size, s_t0.AddMinutes(minutes));

    private static DirectoryEntry Dir(string name, int minutes = 0) => new(name, true, 0, s_t0.AddMinutes(minutes));

    private static string[] Names(ListingPage page) => page.Entries.Select(e => e.Name).ToArray();

    [GeneratedRegex("<a href=\"([^\"]*)\"")]
    private static partial Regex EntryHref();

    [Fact]
    public void SortsBySizeAndTimeWithDirectoriesFirstInBothDirections()
    {
        DirectoryEntry[] entries = [File("big", 300, 1), File("small", 10, 3), File("mid", 200, 2), Dir("d2", 5), Dir("d1", 0)];

        Assert.Equal(["d1", "d2", "small", "mid", "big"], Names(ListingPage.From("/", ListingQuery.Parse("sort=size"), entries)));
        Assert.Equal(["d2", "d1", "big", "mid", "small"], Names(ListingPage.From("/", ListingQuery.Parse("sort=size&order=desc"), entries)));
        Assert.Equal(["d1", "d2", "big", "mid", "small"], Names(ListingPage.From("/", ListingQuery.Parse("sort=time"), entries)));
        Assert.Equal(["d2", "d1", "small", "mid", "big"], Names(ListingPage.From("/", ListingQuery.Parse("sort=time&order=desc"), entries)));
        Assert.Equal(["d2", "d1", "small", "mid", "big"], Names(ListingPage.From("/", ListingQuery.Parse("sort=name&order=desc"), entries)));
    }

    [Fact]
    public void EqualSizesFallBackToNaturalNameOrder()
    {
        DirectoryEntry[] entries = [File("f10", 5), File("f2", 5), File("f1", 5)];
        Assert.Equal(["f1", "f2", "f10"], Names(ListingPage.From("/", ListingQuery.Parse("sort=size"), entries)));
    }

    [Fact]
    public void PagesSliceTheSortedListAndLinkToTheirNeighbours()
    {
        DirectoryEntry[] entries = Enumerable.Range(1, 25).Select(i => File("f" + i, i)).ToArray();

        ListingPage second = ListingPage.From("/d/", ListingQuery.Parse("sort=size&order=desc&page=2"), entries, pageSize: 10);
        Assert.Equal(Enumerable.Range(6, 10).Reverse().Select(i => "f" + i), Names(second));
        Assert.Equal(25, second.Total);
        Assert.Equal(3, second.PageCount);

        string html = Encoding.UTF8.GetString(DirectoryListingRenderer.Render(second));
        Assert.Contains("<a rel=\"prev\" href=\"?sort=size&amp;order=desc\">", html);
        Assert.Contains("<a rel=\"next\" href=\"?sort=size&amp;order=desc&amp;page=3\">", html);
        Assert.Contains("Page 2 of 3", html);

        ListingPage last = ListingPage.From("/d/", ListingQuery.Parse("page=3"), entries, pageSize: 10);
        Assert.Equal(["f21", "f22", "f23", "f24", "f25"], Names(last));
        Assert.DoesNotContain("rel=\"next\"", Encoding.UTF8.GetString(DirectoryListingRenderer.Render(last)));

        ListingPage beyond = ListingPage.From("/d/", ListingQuery.Parse("page=9"), entries, pageSize: 10);
        Assert.Empty(beyond.Entries);
        Assert.Contains("<a rel=\"prev\" href=\"?sort=name&amp;order=asc&amp;page=3\">", Encoding.UTF8.GetString(DirectoryListingRenderer.Render(beyond)));

        ListingPage single = ListingPage.From("/d/", ListingQuery.Default, entries.Take(3), pageSize: 10);
        Assert.DoesNotContain("class=\"pages\"", Encoding.UTF8.GetString(DirectoryListingRenderer.Render(single)));
    }

    [Fact]
    public void ColumnHeadersLinkToTheirSortAndTheCurrentOneFlips()
    {
        string html = Encoding.UTF8.GetString(DirectoryListingRenderer.Render(ListingPage.From("/", ListingQuery.Parse("sort=size&page=2"), [File("a", 1)])));
        Assert.Contains("<a class=\"sort\" href=\"?sort=name&amp;order=asc\">Name</a>", html);
        Assert.Contains("<th class=\"size\" aria-sort=\"ascending\"><a class=\"sort\" href=\"?sort=size&amp;order=desc\">Size</a> ▲</th>", html);
        Assert.Contains("<a class=\"sort\" href=\"?sort=time&amp;order=asc\">Modified</a>", html);
    }

    [Fact]
    public void UploadAndDeleteControlsOnlyWhenTheClientMayWrite()
    {
        DirectoryEntry[] entries = [File("a b.txt", 1), Dir("sub")];
        string readOnly = Encoding.UTF8.GetString(DirectoryListingRenderer.Render(ListingPage.From("/d/", ListingQuery.Default, entries)));
        string writable = Encoding.UTF8.GetString(DirectoryListingRenderer.Render(ListingPage.From("/d/", ListingQuery.Default, entries, canWrite: true)));

        Assert.DoesNotContain("type=\"file\"", readOnly);
        Assert.DoesNotContain("class=\"del\"", readOnly);
        Assert.Contains("<input id=\"files\" type=\"file\" multiple>", writable);
        Assert.Contains("<button class=\"del\" type=\"button\" data-href=\"a%20b.txt\">", writable);
        Assert.Contains("<button class=\"del\" type=\"button\" data-href=\"sub/\">", writable);
        Assert.Contains("<a class=\"tar\" href=\"?archive=tar\">Download folder (tar)</a>", readOnly);
    }

    [Fact]
    public void HostileNamesAreInertInBreadcrumbsDataAttributesAndLinks()
    {
        const string Evil = "\"><img src=x onerror=alert(1)>'&";
        DirectoryEntry[] entries = [File(Evil, 1)];
        string html = Encoding.UTF8.GetString(DirectoryListingRenderer.Render(
            ListingPage.From("/" + Evil + "/<b>/", ListingQuery.Default, entries, canWrite: true)));

        Assert.DoesNotContain("<img", html);
        Assert.Single(Regex.Matches(html, "</script>")); // the page's own closing tag only
        const string Escaped = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&amp;";
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("<a class=\"crumb\" href=\"../../\">/</a><a class=\"crumb\" href=\"../\">" + Escaped + "</a>/&lt;b&gt;/</h1>", html);
        Assert.Contains("data-name=\"" + Escaped + "\"", html);
        // Percent-encoded for the path, then HTML-escaped for the attribute ('&' and '\'' may stay
        // unencoded in a path segment, so they are escaped as entities).
        string encoded = Sluice.Core.Paths.RequestPathDecoder.EncodeSegment(Evil).Replace("&", "&amp;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
        Assert.DoesNotContain('"', encoded);
        Assert.DoesNotContain('<', encoded);
        Assert.Contains("data-href=\"" + encoded + "\"", html);
        Assert.Equal(["../", encoded], EntryHref().Matches(html).Select(m => m.Groups[1].Value));
        // The script is constant: nothing of the names is in it (its hash in the policy holds).
        string script = Regex.Match(html, "<script>(.*)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(ListingAssets.Script, script);
    }

    [Fact]
    public void JsonHasTheSameEntriesOrderAndPaging()
    {
        DirectoryEntry[] entries = [File("b.txt", 20, 1), Dir("sub"), File("a b.txt", 1000)];
        byte[] json = ListingJson.Render(ListingPage.From("/d/", ListingQuery.Parse("sort=size&order=desc&json"), entries, pageSize: 2));
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;

        Assert.Equal("/d/", root.GetProperty("path").GetString());
        Assert.Equal("size", root.GetProperty("sort").GetString());
        Assert.Equal("desc", root.GetProperty("order").GetString());
        Assert.Equal(1, root.GetProperty("page").GetInt32());
        Assert.Equal(2, root.GetProperty("pageSize").GetInt32());
        Assert.Equal(2, root.GetProperty("pages").GetInt32());
        Assert.Equal(3, root.GetProperty("total").GetInt32());
        Assert.False(root.GetProperty("truncated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("prev").ValueKind);
        Assert.Equal("?sort=size&order=desc&page=2&json", root.GetProperty("next").GetString());

        JsonElement[] items = root.GetProperty("entries").EnumerateArray().ToArray();
        Assert.Equal(2, items.Length);
        Assert.Equal("sub", items[0].GetProperty("name").GetString());
        Assert.Equal("sub/", items[0].GetProperty("href").GetString());
        Assert.Equal("dir", items[0].GetProperty("type").GetString());
        Assert.Equal("a b.txt", items[1].GetProperty("name").GetString());
        Assert.Equal("a%20b.txt", items[1].GetProperty("href").GetString());
        Assert.Equal("file", items[1].GetProperty("type").GetString());
        Assert.Equal(1000, items[1].GetProperty("size").GetInt64());
        Assert.Equal("2026-12-01T04:51:00Z", items[1].GetProperty("mtime").GetString());
        Assert.Equal(["name", "href", "type", "size", "mtime"], items[1].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void JsonEscapesHostileNames()
    {
        const string Evil = "</script><b>\"'&\u2028";
        byte[] json = ListingJson.Render(ListingPage.From("/" + Evil + "/", ListingQuery.Parse("json"), [File(Evil, 1)]));
        string text = Encoding.UTF8.GetString(json);

        Assert.DoesNotContain("<", text);
        Assert.DoesNotContain(">", text);
        Assert.DoesNotContain("'", text);
        Assert.DoesNotContain("\u2028", text);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement entry = doc.RootElement.GetProperty("entries")[0];
        Assert.Equal(Evil, entry.GetProperty("name").GetString()); // and it round-trips exactly
        Assert.Equal("/" + Evil + "/", doc.RootElement.GetProperty("path").GetString());
    }
}
