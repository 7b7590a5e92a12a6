namespace Sluice.Core.Listing;

// One page of a directory listing, ready to render: the entries of this page already in order,
// and what the page needs to say about the rest (how many entries, how many pages, whether the
// server's entry cap cut the directory short).
// canWrite: uploads are on and this client may write here: the page offers upload and delete.
public sealed record ListingPage(
    string RequestPath,
    ListingQuery Query,
    IReadOnlyList<DirectoryEntry> Entries,
    int Total,
    int PageCount,
    bool Truncated,
    bool CanWrite = false,
    int PageSize = ListingQuery.PageSize)
{
    // Sorts and pages a complete list (callers that read the whole directory, and tests).
    public static ListingPage From(string requestPath, ListingQuery query, IEnumerable<DirectoryEntry> entries, bool truncated = false, bool canWrite = false, int pageSize = ListingQuery.PageSize)
    {
        List<DirectoryEntry> all = entries.ToList();
        all.Sort(ListingOrder.For(query.Sort, query.Descending));
        int pages = PagesFor(all.Count, pageSize);
        int skip = (int)Math.Min(all.Count, (long)(query.Page - 1) * pageSize);
        return new ListingPage(requestPath, query, all.GetRange(skip, Math.Min(pageSize, all.Count - skip)), all.Count, pages, truncated, canWrite, pageSize);
    }

    public static int PagesFor(int count, int pageSize) => Math.Max(1, (count + pageSize - 1) / pageSize);
}
