using Sluice.Core.Content;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// Rendered directory listings, so a flood of requests for one large directory does not read and
// stat it once per request. An entry is valid while the directory is the same inode with the same
// mtime and ctime to the nanosecond (any create, delete or rename inside it moves both) and for at
// most MaxAge: a file that only changes size or date inside the directory does not touch the
// directory's times, so MaxAge bounds how stale a listed size or date can be.
// A directory has one page per view (sort, order, page number, HTML or JSON, with or without the
// upload controls): the key is KeyOf(relative path, view). A page's gzip and brotli forms are
// kept beside it, made once on first request, and dropped with it.
// Bounded in entries and in bytes (compressed forms included); when full, the oldest page makes room.
public sealed class ListingCache
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(5);

    // NUL never occurs in a path, so "a" + view can never be mistaken for a view of "a\0…".
    private const char Separator = '\0';

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

    public static string KeyOf(string relativePath, string view) => relativePath + Separator + view;

    public bool TryGet(string key, in FileMetadata directory, out byte[] html)
    {
        lock (_lock)
        {
            if (TryGetLocked(key, directory, out Page? page))
            {
                _hits++;
                html = page.Body;
                return true;
            }

            _misses++;
            html = [];
            return false;
        }
    }

    // The page's compressed form; false when the page or that form is not cached (no hit or miss
    // is counted: the caller goes on to TryGet).
    public bool TryGetEncoded(string key, in FileMetadata directory, ContentCoding coding, out byte[] body)
    {
        lock (_lock)
        {
            if (TryGetLocked(key, directory, out Page? page) && page.Encoded(coding) is { } encoded)
            {
                _hits++;
                body = encoded;
                return true;
            }

            body = [];
            return false;
        }
    }

    public void Add(string key, in FileMetadata directory, byte[] html)
    {
        if (_maxPages == 0 || html.Length > _maxBytes / 4)
        {
            // A page this large would evict most others; it is rendered per request instead.
            return;
        }

        var page = new Page(directory, html, Environment.TickCount64);
        lock (_lock)
        {
            RemoveLocked(key);
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

                RemoveLocked(oldest.Key);
            }

            _pages[key] = page;
            _bytes += page.Bytes;
        }
    }

    // Attaches a compressed form to the cached page it was made from (the same directory version);
    // if that page is gone or was replaced meanwhile, the form is not kept.
    public void AddEncoded(string key, in FileMetadata directory, ContentCoding coding, byte[] body)
    {
        lock (_lock)
        {
            if (_pages.TryGetValue(key, out Page? page) && page.Directory.SameVersionAs(directory)
                && page.Encoded(coding) is null && _bytes + body.Length <= _maxBytes)
            {
                page.SetEncoded(coding, body);
                _bytes += body.Length;
            }
        }
    }

    // Uploads: every view of a directory whose entries changed is dropped at once.
    public void Invalidate(string relativePath)
    {
        lock (_lock)
        {
            string prefix = relativePath + Separator;
            List<string>? stale = null;
            foreach (string key in _pages.Keys)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    (stale ??= []).Add(key);
                }
            }

            foreach (string key in stale ?? [])
            {
                RemoveLocked(key);
            }
        }
    }

    private bool TryGetLocked(string key, in FileMetadata directory, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Page? page) =>
        _pages.TryGetValue(key, out page)
        && page.Directory.SameVersionAs(directory)
        && Environment.TickCount64 - page.RenderedAt <= _maxAgeMs;

    private void RemoveLocked(string key)
    {
        if (_pages.Remove(key, out Page? page))
        {
            _bytes -= page.Bytes;
        }
    }

    private sealed class Page(FileMetadata directory, byte[] body, long renderedAt)
    {
        private byte[]? _gzip;
        private byte[]? _brotli;

        public FileMetadata Directory { get; } = directory;

        public byte[] Body { get; } = body;

        public long RenderedAt { get; } = renderedAt;

        public long Bytes => Body.Length + (_gzip?.Length ?? 0) + (_brotli?.Length ?? 0);

        public byte[]? Encoded(ContentCoding coding) => coding == ContentCoding.Brotli ? _brotli : coding == ContentCoding.Gzip ? _gzip : null;

        public void SetEncoded(ContentCoding coding, byte[] body)
        {
            if (coding == ContentCoding.Brotli)
            {
                _brotli = body;
            }
            else if (coding == ContentCoding.Gzip)
            {
                _gzip = body;
            }
        }
    }
}
