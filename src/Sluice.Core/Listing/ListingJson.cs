using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Core.Paths;

namespace Sluice.Core.Listing;

// The listing as JSON (?json, or Accept: application/json): the same entries, order and paging as
// the HTML page. Serialized by the source generator (no reflection: Native AOT safe). Its default
// encoder escapes '<', '>', '&', '\'' and non-ASCII as \uXXXX, so a hostile name stays inert even
// if a client pastes the JSON into HTML.
public static class ListingJson
{
    public static byte[] Render(ListingPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        ListingQuery q = page.Query;
        var entries = new List<ListingJsonEntry>(page.Entries.Count);
        foreach (DirectoryEntry entry in page.Entries)
        {
            entries.Add(new ListingJsonEntry(
                entry.Name,
                RequestPathDecoder.EncodeSegment(entry.Name) + (entry.IsDirectory ? "/" : ""),
                entry.IsDirectory ? "dir" : "file",
                entry.IsDirectory ? 0 : entry.Size,
                FormatTime(entry.Modified)));
        }

        var document = new ListingJsonDocument(
            page.RequestPath,
            ListingQuery.SortToken(q.Sort),
            q.Descending ? "desc" : "asc",
            q.Page,
            page.PageSize,
            page.PageCount,
            page.Total,
            page.Truncated,
            q.Page > 1 ? q.Link(q.Sort, q.Descending, Math.Min(q.Page - 1, page.PageCount)) : null,
            q.Page < page.PageCount ? q.Link(q.Sort, q.Descending, q.Page + 1) : null,
            entries);
        return JsonSerializer.SerializeToUtf8Bytes(document, ListingJsonContext.Default.ListingJsonDocument);
    }

    // ISO 8601 with its zone designator, whole seconds (what a directory listing can promise).
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

public sealed record ListingJsonEntry(string Name, string Href, string Type, long Size, string Mtime);

public sealed record ListingJsonDocument(
    string Path,
    string Sort,
    string Order,
    int Page,
    int PageSize,
    int Pages,
    int Total,
    bool Truncated,
    string? Prev,
    string? Next,
    IReadOnlyList<ListingJsonEntry> Entries);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ListingJsonDocument))]
internal sealed partial class ListingJsonContext : JsonSerializerContext;
