using System.Collections.Concurrent;
using Sluice.Server.Logging;

namespace Sluice.Server.Disk;

// What each filesystem (st_dev) was found to accept or refuse, learned from the first answer and
// kept for the life of the process, so a refused call is issued once per filesystem, not once per
// response, and logged once per filesystem.
//
// Design note: the key is the device, not the process: tmpfs refusing RWF_DONTCACHE says nothing
// about ext4 beside it. A capability is Unknown until a call answers: Accept records a success
// (mechanisms then go at full depth), Refuse records a refusal (mechanisms go straight to their
// fallback from then on). While it is Unknown a mechanism probes with a single call, so the first
// response on a refusing filesystem issues one refused call, not one per read in flight. Both are
// monotonic bit sets updated with Interlocked.Or: concurrent first responses may each probe once,
// but only the one whose Refuse flips the bit logs. A filesystem remounted with another device
// number is a new entry; one unmounted and another mounted under the same number (rare: numbers of
// anonymous devices are reused) would inherit the old answers until restart.
public sealed class FilesystemCapabilities
{
    private readonly ConcurrentDictionary<ulong, Entry> _devices = new();
    private readonly IServerLog _log;
    private readonly Func<ulong, string> _describe;

    public FilesystemCapabilities(IServerLog log, Func<ulong, string>? describe = null)
    {
        _log = log;
        _describe = describe ?? MountTable.Describe;
    }

    public bool IsRefused(ulong device, FilesystemCapability capability) =>
        _devices.TryGetValue(device, out Entry? entry) && (Volatile.Read(ref entry.Refused) & Bit(capability)) != 0;

    public bool IsAccepted(ulong device, FilesystemCapability capability) =>
        _devices.TryGetValue(device, out Entry? entry) && (Volatile.Read(ref entry.Accepted) & Bit(capability)) != 0;

    public void Accept(ulong device, FilesystemCapability capability)
    {
        Entry entry = _devices.GetOrAdd(device, static _ => new Entry());
        if ((Volatile.Read(ref entry.Accepted) & Bit(capability)) == 0)
        {
            Interlocked.Or(ref entry.Accepted, Bit(capability));
        }
    }

    // Records the refusal; the first one for this filesystem and capability is logged, with what
    // the kernel answered (detail) and what happens to such bodies from now on (consequence).
    // Returns whether this call was that first one.
    public bool Refuse(ulong device, FilesystemCapability capability, string detail, string consequence)
    {
        Entry entry = _devices.GetOrAdd(device, static _ => new Entry());
        if ((Interlocked.Or(ref entry.Refused, Bit(capability)) & Bit(capability)) != 0)
        {
            return false;
        }

        _log.Warn($"{capability.KernelName()} refused on {_describe(device)} ({detail}); {consequence} (logged once per filesystem)");
        return true;
    }

    // Every refusal learned so far, for /metrics.
    public IReadOnlyList<(ulong Device, FilesystemCapability Capability)> Refusals()
    {
        var refusals = new List<(ulong, FilesystemCapability)>();
        foreach (KeyValuePair<ulong, Entry> device in _devices)
        {
            int refused = Volatile.Read(ref device.Value.Refused);
            foreach (FilesystemCapability capability in Enum.GetValues<FilesystemCapability>())
            {
                if ((refused & Bit(capability)) != 0)
                {
                    refusals.Add((device.Key, capability));
                }
            }
        }

        refusals.Sort();
        return refusals;
    }

    private static int Bit(FilesystemCapability capability) => 1 << (int)capability;

    private sealed class Entry
    {
        public int Accepted;
        public int Refused;
    }
}
