namespace Sluice.Core.Listing;

// The page's order: directories always first (in both directions, as file managers do), then the
// requested key, then the natural name order as tiebreak so equal sizes or dates stay stable.
public static class ListingOrder
{
    public static int Compare(in DirectoryEntry a, in DirectoryEntry b, ListingSortKey key, bool descending)
    {
        if (a.IsDirectory != b.IsDirectory)
        {
            return a.IsDirectory ? -1 : 1;
        }

        int byKey = key switch
        {
            ListingSortKey.Size => a.IsDirectory ? 0 : a.Size.CompareTo(b.Size),
            ListingSortKey.Time => a.Modified.CompareTo(b.Modified),
            _ => 0,
        };
        if (byKey == 0)
        {
            byKey = NaturalNameComparer.Instance.Compare(a.Name, b.Name);
        }

        return descending ? -byKey : byKey;
    }

    // The same order on names alone (key Name), for choosing entries before they are stat'ed.
    public static int CompareNames(string a, bool aIsDirectory, string b, bool bIsDirectory, bool descending)
    {
        if (aIsDirectory != bIsDirectory)
        {
            return aIsDirectory ? -1 : 1;
        }

        int byName = NaturalNameComparer.Instance.Compare(a, b);
        return descending ? -byName : byName;
    }

    public static Comparison<DirectoryEntry> For(ListingSortKey key, bool descending) =>
        (a, b) => Compare(a, b, key, descending);
}
