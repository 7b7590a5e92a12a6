namespace Sluice.Server.Receive;

// How a receive into a file ended. The handler maps it to the response (RFC 9110, RFC 4918):
// NoSpace → 507, NotPermitted → 403, TooLarge → 413; PeerGone/TimedOut → no response, close.
public enum ReceiveOutcome : byte
{
    Completed,
    // The body ended before its framing said it would: the client closed or reset.
    PeerGone,
    // Body timeout, minimum receive rate, or server shutdown.
    TimedOut,
    // Malformed chunked framing (400).
    BadFraming,
    // The body is longer than the limit the caller gave (maxBytes): nothing past it was written.
    TooLarge,
    // ENOSPC or EDQUOT.
    NoSpace,
    // EROFS, EACCES, EPERM.
    NotPermitted,
    // Any other write error (EIO …).
    Failed,
}
