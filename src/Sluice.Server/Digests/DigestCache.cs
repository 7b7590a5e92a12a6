using System.Collections.Concurrent;

namespace Sluice.Server.Digests;

// Digests in memory, one per file identity (device, inode), each tagged with the version it
// describes. A lookup of another version drops the entry (the file changed: the old digest can
// never be right again), so a stale digest is never served and never lingers.
//
// Bounded by count. Eviction is a CLOCK sweep without a hand: a hit marks its entry, and when the
// cache is full one pass removes unmarked entries (and unmarks the rest) until an eighth of the
// capacity is free. A hot large file's digest, costly to recompute, survives a scan of cold ones.
// Lookups are lock-free (they run on event threads); the sweep runs on the one digest worker.
public sealed class DigestCache
{
    private readonly ConcurrentDictionary<(ulong Device, ulong Inode), Entry> _entries = new();

    public DigestCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _entries.Count;

    public bool TryGet(in DigestKey key, out string header)
    {
        if (_entries.TryGetValue((key.Device, key.Inode), out Entry? entry))
        {
            if (entry.Key == key)
            {
                entry.Used = true;
                header = entry.Header;
                return true;
            }

            _entries.TryRemove(new KeyValuePair<(ulong, ulong), Entry>((key.Device, key.Inode), entry));
        }

        header = "";
        return false;
    }

    public void Add(in DigestKey key, string header)
    {
        if (_entries.Count >= Capacity && !_entries.ContainsKey((key.Device, key.Inode)))
        {
            Sweep();
        }

        _entries[(key.Device, key.Inode)] = new Entry(key, header);
    }

    private void Sweep()
    {
        int target = Capacity - Math.Max(1, Capacity / 8);
        for (int pass = 0; pass < 2 && _entries.Count > target; pass++)
        {
            foreach (KeyValuePair<(ulong, ulong), Entry> pair in _entries)
            {
                if (_entries.Count <= target)
                {
                    return;
                }

                if (pair.Value.Used)
                {
                    pair.Value.Used = false;
                }
                else
                {
                    _entries.TryRemove(pair);
                }
            }
        }
    }

    private sealed class Entry(DigestKey key, string header)
    {
        public DigestKey Key { get; } = key;

        public string Header { get; } = header;

        public volatile bool Used;
    }
}
