namespace Sluice.Server.Uploads;

// One async lock per path being written, so "compare the current ETag, then rename" (If-Match)
// and every other commit to the same path run one at a time in this process. Entries live only
// while someone holds or waits for them.
public sealed class PathLocks
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<Releaser> AcquireAsync(string path)
    {
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(path, out entry!))
            {
                entry = new Entry();
                _entries[path] = entry;
            }

            entry.Users++;
        }

        await entry.Gate.WaitAsync().ConfigureAwait(false);
        return new Releaser(this, path, entry);
    }

    private void Release(string path, Entry entry)
    {
        entry.Gate.Release();
        lock (_lock)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(path);
                entry.Gate.Dispose();
            }
        }
    }

    public readonly struct Releaser(PathLocks owner, string path, object entry) : IDisposable
    {
        public void Dispose() => owner.Release(path, (Entry)entry);
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
