using System.Collections.Concurrent;
using Sluice.Server.Logging;

namespace Sluice.Server.Transfer;

// Filesystems (by st_dev) that refused preadv2(RWF_NOWAIT): learned on the first refusal, logged
// once per filesystem, never retried. tmpfs refuses it (EOPNOTSUPP) on this kernel. Reads from
// such a filesystem go to the disk engine rather than inline: tmpfs pages can be swapped out, and
// a swap-in is a disk read, so without RWF_NOWAIT nothing says a read will not wait.
public sealed class NoWaitRefusals
{
    private readonly ConcurrentDictionary<ulong, byte> _devices = new();
    private readonly IServerLog _log;

    public NoWaitRefusals(IServerLog log)
    {
        _log = log;
    }

    public bool IsRefused(ulong device) => !_devices.IsEmpty && _devices.ContainsKey(device);

    public void Refuse(ulong device, int errno)
    {
        if (_devices.TryAdd(device, 0))
        {
            _log.Warn($"preadv2(RWF_NOWAIT) refused (errno {errno}) on device {device >> 32}:{device & 0xffffffff}; its reads go to the disk engine (logged once per filesystem)");
        }
    }
}
