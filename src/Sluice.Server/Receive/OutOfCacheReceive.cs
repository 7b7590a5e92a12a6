using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// auto's mechanism for a large body (at or above --direct-threshold): kept out of the page cache by
// the fastest way the file's file system allows. RWF_DONTCACHE first: on the KVM guest of
// 2026-12-01 (ext4 on virtio, 1 GiB PUT over loopback, `sluice bench --upload`, 2 runs × 3
// rounds) it moved 1.02–1.88× the MB/s of splice with drop-behind in every round, with whole-machine
// CPU per GiB unresolved between them (ranges overlap) and neither left more than a few MiB cached.
// Where the file system is known to refuse the flag (tmpfs, kernels before 6.14: learned by the
// first refused write, FilesystemCapabilities), splice with drop-behind, which never writes a
// large body through the cache; without this, the dontcache mechanism's own fallback (plain pwrite)
// would let every later large upload there evict the hot set. The first upload to such a file
// system still falls back once, as every refusal does.
public sealed class OutOfCacheReceive(IReceiveMechanism dontcache, IReceiveMechanism spliceDropBehind, FilesystemCapabilities capabilities) : IReceiveMechanism
{
    public ReceiveStrategy Strategy => ReceiveStrategy.Dontcache;

    public ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job)
    {
        // statx of an open descriptor: the inode is in memory, no disk wait on the socket thread.
        bool refused = FilePal.TryGetMetadata(job.File, out FileMetadata metadata)
            && capabilities.IsRefused(metadata.Device, FilesystemCapability.Dontcache);
        return (refused ? spliceDropBehind : dontcache).ReceiveAsync(job);
    }
}
