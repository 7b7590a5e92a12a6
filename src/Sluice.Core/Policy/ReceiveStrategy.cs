namespace Sluice.Core.Policy;

// How request-body bytes reach a file (uploads): the send side's strategies turned around.
public enum ReceiveStrategy : byte
{
    // recv into a user buffer, then pwrite: the classic loop, the baseline and the fallback (TLS,
    // chunked framing, kernels or file systems that refuse the others).
    Buffered,
    // splice socket → pipe → file: no copy through user space.
    Splice,
    // recv, then pwritev2(RWF_DONTCACHE) (Linux ≥ 6.14): written through the page cache, dropped after.
    Dontcache,
    // recv into aligned buffers, then O_DIRECT writes: no page cache at all.
    Direct,
}
