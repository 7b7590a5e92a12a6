using Sluice.Core.Listing;

namespace Sluice.Core.Tests.Listing;

public sealed class ListingQueryTests
{
    [Theory]
    [InlineData("", ListingSortKey.Name, false, 1, false)]
    [InlineData("sort=size&order=desc", ListingSortKey.Size, true, 1, false)]
    [InlineData("sort=time&page=3", ListingSortKey.Time, false, 3, false)]
    [InlineData("json", ListingSortKey.Name, false, 1, true)]
    [InlineData("sort=name&order=asc&page=2&json=1", ListingSortKey.Name, false, 2, true)]
    [InlineData("sort=bogus&order=sideways&page=-1", ListingSortKey.Name, false, 1, false)] // malformed: defaults
    [InlineData("page=0", ListingSortKey.Name, false, 1, false)]
    [InlineData("page=99999999999", ListingSortKey.Name, false, 1, false)]
    [InlineData("archive=tar&sort=size", ListingSortKey.Size, false, 1, false)] // other keys ignored
    public void Parses(string query, ListingSortKey sort, bool descending, int page, bool json)
    {
        Assert.Equal(new ListingQuery(sort, descending, page, json), ListingQuery.Parse(query));
    }

    [Fact]
    public void LinksRoundTripAndKeepTheFormat()
    {
        var q = new ListingQuery(ListingSortKey.Time, true, 4, Json: true);
        string link = q.Link(ListingSortKey.Size, false, 2);
        Assert.Equal("?sort=size&order=asc&page=2&json", link);
        Assert.Equal(new ListingQuery(ListingSortKey.Size, false, 2, true), ListingQuery.Parse(link.AsSpan(1)));
        Assert.Equal("?sort=name&order=asc", ListingQuery.Default.Link(ListingSortKey.Name, false, 1));
    }

    [Fact]
    public void EveryViewHasItsOwnCacheKey()
    {
        var keys = new HashSet<string>();
        foreach (ListingSortKey sort in Enum.GetValues<ListingSortKey>())
        {
            foreach (bool descending in new[] { false, true })
            {
                foreach (int page in new[] { 1, 2, 11 })
                {
                    foreach (bool json in new[] { false, true })
                    {
                        Assert.True(keys.Add(new ListingQuery(sort, descending, page, json).CacheKey));
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json, text/html;q=0.9", true)]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false)] // a browser
    [InlineData("*/*", false)]
    [InlineData("", false)]
    [InlineData("text/html;q=0.5, application/json;q=0.4", false)]
    [InlineData("application/json;q=0", false)]
    [InlineData("application/json;q=0.9, */*;q=0.1", true)]
    [InlineData("APPLICATION/JSON", true)]
    [InlineData("application/json;q=bogus", false)]
    public void NegotiatesJsonOnlyWhenPreferredOverHtml(string accept, bool json)
    {
        Assert.Equal(json, ListingFormat.PrefersJson(System.Text.Encoding.ASCII.GetBytes(accept)));
    }
}
