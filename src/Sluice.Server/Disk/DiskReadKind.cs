namespace Sluice.Server.Disk;

public enum DiskReadKind : byte
{
    // A read on an O_DIRECT descriptor into an aligned buffer.
    Direct,
    // preadv2(RWF_DONTCACHE): through the page cache, pages dropped after use.
    Dontcache,
    // Fills the page cache for a range that sendfile will then send: no buffer of ours.
    Populate,
    // A plain read through the page cache: a page-cache miss of copy/buffered, and the last
    // resort where RWF_DONTCACHE is refused.
    Buffered,
}
