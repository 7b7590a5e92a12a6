namespace Sluice.Interop.Pal;

public enum IoStatus : byte
{
    // Bytes moved (possibly fewer than asked: the caller loops).
    Done,
    // EAGAIN on a non-blocking socket: wait for writability, then retry.
    WouldBlock,
    // EPIPE, ECONNRESET, ENOTCONN: the peer is gone.
    PeerGone,
    // A file read or sendfile returned 0 before the expected end: the file shrank under us.
    EndOfFile,
    // The kernel or filesystem refuses this operation (EINVAL for O_DIRECT, EOPNOTSUPP for
    // RWF_DONTCACHE): the caller falls back to another mechanism.
    NotSupported,
    Failed,
    // preadv2(RWF_NOWAIT) found the data outside the page cache: reading it would wait on the
    // disk, so the read belongs to the disk engine.
    NotCached,

    // The caller gave up waiting (its connection was cancelled); the operation may still finish.
    Cancelled,
}
