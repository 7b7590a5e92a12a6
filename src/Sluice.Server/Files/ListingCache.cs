using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// Rendered directory listings, so a flood of requests for one large directory does not read and
// stat it once per request. An entry is valid while the directory is the same inode with the same
// mtime and ctime to the nanosecond (any create, delete or rename inside it moves both) and for at
// most MaxAge: a file that only changes size or date inside the directory does not touch the
// directory's times, so MaxAge bounds how stale a listed size or date can be.
// Bounded in entries and in bytes; when full, the oldest page makes room.
public sealed class ListingCache
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Page> _pages = new(StringComparer.Ordinal);
    private readonly int _maxPages;
    private readonly long _maxBytes;
    private readonly long _maxAgeMs;
    private long _bytes;
    private long _hits;
    private long _misses;

    public ListingCache(int maxPages = 64, long maxBytes = 8 * 1024 * 1024, TimeSpan? maxAge = null)
    {
        _maxPages = maxPages;
        _maxBytes = maxBytes;
        _maxAgeMs = (long)(maxAge ?? DefaultMaxAge).TotalMilliseconds;
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public bool TryGet(string relativePath, in FileMetadata directory, out byte[] html)
    {
        lock (_lock)
        {
            if (_pages.TryGetValue(relativePath, out Page? page)
                && page.Directory.SameVersionAs(directory)
                && Environment.TickCount64 - page.RenderedAt <= _maxAgeMs)
            {
                _hits++;
                html = page.Html;
                return true;
            }

            _misses++;
            html = [];
            return false;
        }
    }

    public void Add(string relativePath, in FileMetadata directory, byte[] html)
    {
        if (_maxPages == 0 || html.Length > _maxBytes / 4)
        {
            // A page this large would evict most others; it is rendered per request instead.
            return;
        }

        var page = new Page(directory, html, Environment.TickCount64);
        lock (_lock)
        {
            if (_pages.Remove(relativePath, out Page? previous))
            {
                _bytes -= previous.Html.Length;
            }

            while (_pages.Count > 0 && (_pages.Count >= _maxPages || _bytes + html.Length > _maxBytes))
            {
                // O(pages) scan over at most _maxPages entries, only when full.
                KeyValuePair<string, Page> oldest = default;
                foreach (KeyValuePair<string, Page> candidate in _pages)
                {
                    if (oldest.Value is null || candidate.Value.RenderedAt < oldest.Value.RenderedAt)
                    {
                        oldest = candidate;
                    }
                }

                _pages.Remove(oldest.Key);
                _bytes -= oldest.Value!.Html.Length;
            }

            _pages[relativePath] = page;
            _bytes += html.Length;
        }
    }

    // Uploads: the listing of a directory whose entries changed is dropped at once.
    public void Invalidate(string relativePath)
    {
        lock (_lock)
        {
            if (_pages.Remove(relativePath, out Page? page))
            {
                _bytes -= page.Html.Length;
            }
        }
    }

    private sealed record Page(FileMetadata Directory, byte[] Html, long RenderedAt);
}
