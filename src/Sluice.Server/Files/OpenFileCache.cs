using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Preconditions;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// Descriptors and metadata of hot files, reused across requests (nginx's open_file_cache).
//
// Design note: nginx revalidates an entry only every open_file_cache_valid seconds, so it can
// serve a replaced file for a while. Sluice revalidates on every hit with one statx of the path
// and compares device, inode, size, mtime and ctime with the cached descriptor: a file that was
// written, truncated, or replaced (rename over it) is a miss, never served stale. A hit thus
// costs one system call instead of openat2 + statx + close. The cached descriptor was opened
// confined to the root; a hit requires the path to resolve to that same inode, so the cache
// never widens what confinement allows. Entries are bounded in number (evicting the least
// recently used) and in age. Eviction disposes the handle; SafeHandle reference counting keeps
// the descriptor open until responses that leased it are done.
public sealed class OpenFileCache : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _maxAgeMs;
    private long _hits;
    private long _misses;
    private long _stale;

    public OpenFileCache(int capacity, TimeSpan maxAge)
    {
        _capacity = capacity;
        _maxAgeMs = (long)maxAge.TotalMilliseconds;
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    // Misses caused by a cached entry that no longer matched the file on disk.
    public long Stale => Interlocked.Read(ref _stale);

    public int Count => _entries.Count;

    public bool Enabled => _capacity > 0;

    public bool TryLease(SafeFileHandle root, string relativePath, out FileRef file)
    {
        file = default;
        if (!_entries.TryGetValue(relativePath, out Entry? entry))
        {
            Interlocked.Increment(ref _misses);
            return false;
        }

        long now = Environment.TickCount64;
        if (now - entry.OpenedAt > _maxAgeMs
            || !FilePal.TryGetMetadataAt(root, relativePath, out FileMetadata current)
            || !current.SameVersionAs(entry.Metadata))
        {
            Interlocked.Increment(ref _stale);
            Interlocked.Increment(ref _misses);
            Remove(relativePath, entry);
            return false;
        }

        bool added = false;
        try
        {
            entry.Handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            // Evicted by another thread between lookup and lease.
        }

        if (!added)
        {
            Interlocked.Increment(ref _misses);
            return false;
        }

        entry.LastUsed = now;
        Interlocked.Increment(ref _hits);
        file = FileRef.Leased(entry.Handle, entry.Metadata, entry.ETag);
        return true;
    }

    // Takes ownership of handle and returns a lease on it for the current response.
    public FileRef AddAndLease(string relativePath, SafeFileHandle handle, in FileMetadata metadata)
    {
        if (_capacity == 0)
        {
            return FileRef.Owned(handle, metadata);
        }

        var entry = new Entry(handle, metadata, EntityTags.Create(metadata.Inode, metadata.Length, metadata.ModifiedUnixNanoseconds), Environment.TickCount64);
        bool added = false;
        handle.DangerousAddRef(ref added);
        if (_entries.TryAdd(relativePath, entry))
        {
            if (_entries.Count > _capacity)
            {
                EvictOldest();
            }
        }
        else
        {
            // Another request cached the same path first: keep theirs, this descriptor dies with
            // the response (Dispose now; the reference taken above keeps it open until then).
            handle.Dispose();
        }

        return FileRef.Leased(handle, metadata, entry.ETag);
    }

    public void Dispose()
    {
        foreach (Entry entry in _entries.Values)
        {
            entry.Handle.Dispose();
        }

        _entries.Clear();
    }

    private void Remove(string path, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(path, entry)))
        {
            entry.Handle.Dispose();
        }
    }

    private void EvictOldest()
    {
        // O(n) scan, rare: runs only when an insertion overflows the bound; evicts an eighth.
        int toEvict = Math.Max(1, _capacity / 8);
        foreach (KeyValuePair<string, Entry> victim in _entries.OrderBy(e => e.Value.LastUsed).Take(toEvict).ToArray())
        {
            Remove(victim.Key, victim.Value);
        }
    }

    private sealed class Entry(SafeFileHandle handle, FileMetadata metadata, string etag, long openedAt)
    {
        public string ETag { get; } = etag;

        public SafeFileHandle Handle { get; } = handle;

        public FileMetadata Metadata { get; } = metadata;

        public long OpenedAt { get; } = openedAt;

        public long LastUsed { get; set; } = openedAt;
    }
}
