using System.Globalization;

namespace Sluice.Core.Listing;

// What a listing request asks for, from its query: ?sort=name|size|time&order=asc|desc&page=N
// and ?json. Unknown or malformed values fall back to the defaults (a listing is never refused for
// its query), so every link the page makes and any hand-typed variant lands somewhere sensible.
public readonly record struct ListingQuery(ListingSortKey Sort, bool Descending, int Page, bool Json)
{
    public const int PageSize = 1000;

    // Far beyond any directory the entry cap admits; only keeps Page * PageSize in range.
    public const int MaxPage = 1_000_000;

    public static ListingQuery Default => new(ListingSortKey.Name, false, 1, false);

    // query: the part after '?', without it (may be empty).
    public static ListingQuery Parse(ReadOnlySpan<char> query)
    {
        ListingQuery result = Default;
        foreach (Range range in query.Split('&'))
        {
            ReadOnlySpan<char> pair = query[range];
            int eq = pair.IndexOf('=');
            ReadOnlySpan<char> key = eq < 0 ? pair : pair[..eq];
            ReadOnlySpan<char> value = eq < 0 ? [] : pair[(eq + 1)..];
            if (key.SequenceEqual("sort"))
            {
                result = result with
                {
                    Sort = value switch
                    {
                        "size" => ListingSortKey.Size,
                        "time" => ListingSortKey.Time,
                        _ => ListingSortKey.Name,
                    },
                };
            }
            else if (key.SequenceEqual("order"))
            {
                result = result with { Descending = value.SequenceEqual("desc") };
            }
            else if (key.SequenceEqual("page"))
            {
                result = result with
                {
                    Page = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int page) && page is >= 1 and <= MaxPage ? page : 1,
                };
            }
            else if (key.SequenceEqual("json"))
            {
                result = result with { Json = true };
            }
        }

        return result;
    }

    public static string SortToken(ListingSortKey key) => key switch
    {
        ListingSortKey.Size => "size",
        ListingSortKey.Time => "time",
        _ => "name",
    };

    // A relative link to another view of the same directory ("?sort=size&order=desc&page=2").
    public string Link(ListingSortKey sort, bool descending, int page) =>
        "?sort=" + SortToken(sort) + (descending ? "&order=desc" : "&order=asc")
        + (page > 1 ? "&page=" + page.ToString(CultureInfo.InvariantCulture) : "")
        + (Json ? "&json" : "");

    // Distinct for every variant of a page the server renders (the ListingCache key's suffix).
    public string CacheKey => SortToken(Sort) + (Descending ? "-" : "+") + Page.ToString(CultureInfo.InvariantCulture) + (Json ? "j" : "h");
}
