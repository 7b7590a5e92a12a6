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
// never widens what confinement allows.
//
// Concurrency: one lock guards the map and the recency list together, so eviction always sees a
// consistent set (an earlier version sorted a live ConcurrentDictionary and threw under churn).
// Nothing that can block runs under the lock: statx, and closing evicted descriptors, happen
// after it is released. Eviction disposes the handle; SafeHandle reference counting keeps the
// descriptor open until the responses that leased it are done, and a lease attempted on a handle
// disposed meanwhile fails cleanly (a miss).
//
// A sweep every SweepPeriod drops entries whose file was deleted (link count 0: the descriptor is
// all that keeps its blocks allocated) or that outlived the maximum age, so a deleted file frees
// its disk space without waiting for a request for it.
public sealed class OpenFileCache : IDisposable
{
    public static readonly TimeSpan DefaultSweepPeriod = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Lookups by the decoded path's characters: a hit makes no string (StringComparer.Ordinal
    // hashes a span as it hashes the equal string).
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    // Most recently used first; the last node is the next victim.
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _capacity;
    private readonly long _maxAgeMs;
    private readonly Timer? _sweeper;
    private long _hits;
    private long _misses;
    private long _stale;
    private long _swept;
    private bool _disposed;

    public OpenFileCache(int capacity, TimeSpan maxAge, TimeSpan? sweepPeriod = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxAgeMs = (long)maxAge.TotalMilliseconds;
        TimeSpan period = sweepPeriod ?? DefaultSweepPeriod;
        if (capacity > 0 && period > TimeSpan.Zero)
        {
            _sweeper = new Timer(static state => ((OpenFileCache)state!).Sweep(), this, period, period);
        }
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    // Misses caused by a cached entry that no longer matched the file on disk.
    public long Stale => Interlocked.Read(ref _stale);

    // Entries dropped by the periodic sweep (file deleted, or older than the maximum age).
    public long Swept => Interlocked.Read(ref _swept);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public bool Enabled => _capacity > 0;

    public bool TryLease(SafeFileHandle root, ReadOnlySpan<char> relativePath, out FileRef file)
    {
        file = default;
        Entry? entry;
        lock (_lock)
        {
            if (_bySpan.TryGetValue(relativePath, out entry))
            {
                _recency.Remove(entry.Node);
                _recency.AddFirst(entry.Node);
            }
        }

        if (entry is null)
        {
            Interlocked.Increment(ref _misses);
            return false;
        }

        if (Environment.TickCount64 - entry.OpenedAt > _maxAgeMs
            || !FilePal.TryGetMetadataAt(root, relativePath, out FileMetadata current)
            || !current.SameVersionAs(entry.Metadata))
        {
            Interlocked.Increment(ref _stale);
            Interlocked.Increment(ref _misses);
            Remove(entry);
            return false;
        }

        if (!TryAddRef(entry.Handle))
        {
            // Evicted (and disposed) by another thread between lookup and lease.
            Interlocked.Increment(ref _misses);
            return false;
        }

        Interlocked.Increment(ref _hits);
        file = FileRef.Leased(entry.Handle, entry.Metadata, entry.ETag, entry.ResolvedPath);
        return true;
    }

    // Takes ownership of handle and returns a lease on it for the current response. Never throws
    // after taking a reference: if caching fails, the response owns the descriptor outright.
    // resolvedPath (where the kernel found the file) is kept with the entry, so a hit answers
    // "where is this file really" without a readlink: a hit is the same inode, and a rename of it
    // (the way a file could move out from under a public path) changes its ctime, which makes
    // the hit stale (SameVersionAs) and forces a fresh open and a fresh resolution.
    public FileRef AddAndLease(string relativePath, SafeFileHandle handle, in FileMetadata metadata, string? resolvedPath = null)
    {
        if (_capacity == 0)
        {
            return FileRef.Owned(handle, metadata, resolvedPath);
        }

        var entry = new Entry(relativePath, handle, metadata, EntityTags.Create(metadata.Length, metadata.ModifiedUnixNanoseconds), Environment.TickCount64, resolvedPath);
        bool leased = false;
        bool cached = false;
        Entry? replaced = null;
        Entry? victim = null;
        try
        {
            handle.DangerousAddRef(ref leased);
            lock (_lock)
            {
                if (!_disposed)
                {
                    if (_entries.TryGetValue(relativePath, out Entry? existing))
                    {
                        // Another request cached this path first. Keep theirs if it is the same
                        // version; a different version is older than what we just opened.
                        if (!existing.Metadata.SameVersionAs(metadata))
                        {
                            Unlink(existing);
                            replaced = existing;
                        }
                    }

                    if (replaced is not null || existing is null)
                    {
                        Link(entry);
                        cached = true;

                        // Every insertion evicts under the same lock, so at most one entry is over.
                        if (_entries.Count > _capacity)
                        {
                            victim = _recency.Last!.Value;
                            Unlink(victim);
                        }
                    }
                }
            }
        }
        catch (Exception) when (!cached)
        {
            // Nothing in the cache refers to the handle: release what we took and serve the
            // response from a descriptor it owns, so a failure here never costs the client its reply.
            if (leased)
            {
                handle.DangerousRelease();
            }

            return FileRef.Owned(handle, metadata, resolvedPath);
        }

        replaced?.Handle.Dispose();
        victim?.Handle.Dispose();
        if (!cached)
        {
            // Not cached: the descriptor dies with the response (the lease keeps it open until then).
            handle.Dispose();
        }

        return FileRef.Leased(handle, metadata, entry.ETag, resolvedPath);
    }

    // Drops entries of deleted files and entries past the maximum age. Runs on a timer thread;
    // it checks a snapshot, so it never holds the lock across a system call.
    internal void Sweep()
    {
        Entry[] snapshot;
        lock (_lock)
        {
            if (_disposed || _entries.Count == 0)
            {
                return;
            }

            snapshot = new Entry[_entries.Count];
            _entries.Values.CopyTo(snapshot, 0);
        }

        long now = Environment.TickCount64;
        foreach (Entry entry in snapshot)
        {
            bool drop = now - entry.OpenedAt > _maxAgeMs;
            if (!drop && TryAddRef(entry.Handle))
            {
                // The reference keeps the descriptor number ours while fstatx looks at it.
                try
                {
                    drop = FilePal.TryGetLinkCount(entry.Handle, out uint links) && links == 0;
                }
                finally
                {
                    entry.Handle.DangerousRelease();
                }
            }

            if (drop && Remove(entry))
            {
                Interlocked.Increment(ref _swept);
            }
        }
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        Entry[] all;
        lock (_lock)
        {
            _disposed = true;
            all = new Entry[_entries.Count];
            _entries.Values.CopyTo(all, 0);
            _entries.Clear();
            _recency.Clear();
        }

        foreach (Entry entry in all)
        {
            entry.Handle.Dispose();
        }
    }

    private static bool TryAddRef(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
        }

        return added;
    }

    // Uploads: a path that was written, replaced or deleted is dropped at once (a hit would miss
    // anyway on revalidation; this also closes the old inode's descriptor, freeing its blocks).
    public void Invalidate(string relativePath)
    {
        Entry? entry;
        lock (_lock)
        {
            _entries.TryGetValue(relativePath, out entry);
        }

        if (entry is not null)
        {
            Remove(entry);
        }
    }

    // Removes the entry if it is still the one cached under its path, and closes it (once no
    // response holds it). Returns whether this call removed it.
    private bool Remove(Entry entry)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(entry.Path, out Entry? current) || !ReferenceEquals(current, entry))
            {
                return false;
            }

            Unlink(entry);
        }

        entry.Handle.Dispose();
        return true;
    }

    private void Link(Entry entry)
    {
        _entries.Add(entry.Path, entry);
        _recency.AddFirst(entry.Node);
    }

    private void Unlink(Entry entry)
    {
        _entries.Remove(entry.Path);
        _recency.Remove(entry.Node);
    }

    private sealed class Entry
    {
        public Entry(string path, SafeFileHandle handle, FileMetadata metadata, string etag, long openedAt, string? resolvedPath)
        {
            ResolvedPath = resolvedPath;
            Path = path;
            Handle = handle;
            Metadata = metadata;
            ETag = etag;
            OpenedAt = openedAt;
            Node = new LinkedListNode<Entry>(this);
        }

        public string Path { get; }

        public string ETag { get; }

        public SafeFileHandle Handle { get; }

        public FileMetadata Metadata { get; }

        public long OpenedAt { get; }

        public string? ResolvedPath { get; }

        public LinkedListNode<Entry> Node { get; }
    }
}
