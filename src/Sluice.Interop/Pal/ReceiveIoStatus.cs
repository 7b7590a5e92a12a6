namespace Sluice.Interop.Pal;

// Outcomes of the calls that move request-body bytes into a file (ReceivePal). Write errors are
// told apart because each answers a different HTTP status (507, 403, 500).
public enum ReceiveIoStatus : byte
{
    // Bytes moved (a splice from the socket may move fewer than asked: the caller loops).
    Done,
    // EAGAIN on the non-blocking socket: nothing to read yet; wait for readability.
    WouldBlock,
    // The peer closed (splice returned 0) or reset the connection.
    PeerGone,
    // The kernel or filesystem refuses this path (EINVAL from splice or O_DIRECT, EOPNOTSUPP from
    // RWF_DONTCACHE or fallocate): the caller falls back and remembers it.
    NotSupported,
    // ENOSPC, EDQUOT.
    NoSpace,
    // EROFS, EACCES, EPERM.
    NotPermitted,
    // Anything else (EIO, EFBIG …).
    Failed,
}
