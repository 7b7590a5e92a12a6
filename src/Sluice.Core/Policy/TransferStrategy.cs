namespace Sluice.Core.Policy;

// How the bytes of a file body move. DESIGN.md has the table of when each wins.
public enum TransferStrategy : byte
{
    // pread 32 KiB into a user buffer, send it: the measured baseline and the universal fallback.
    Buffered,
    // page cache → socket inside the kernel.
    Sendfile,
    // O_DIRECT reads into aligned buffers, several in flight: bypasses the page cache.
    Direct,
    // buffered preadv2(RWF_DONTCACHE): read-ahead kept, pages dropped after use.
    Dontcache,
    // the whole (small) body read with one pread into the buffer that holds the head, one send:
    // nginx's copy path. Per request it replaces sendfile's page-by-page splice with one copy.
    Copy,
}
