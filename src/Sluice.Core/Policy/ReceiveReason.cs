namespace Sluice.Core.Policy;

public enum ReceiveReason : byte
{
    // --receive-strategy named a fixed mechanism.
    Forced,
    // TLS: the bytes are decrypted in user space, so there is nothing for splice or a direct
    // socket read to take; they are written from the decrypted buffer.
    Tls,
    // Chunked framing: the framing is parsed in user space between data runs.
    Chunked,
    // auto: smaller than --direct-threshold: likely read back soon, so it may stay cached.
    BelowThreshold,
    // auto: at or above --direct-threshold: kept out of the page cache.
    Large,
}
