namespace Sluice.Core.Policy;

// Picks how one request body reaches its file. Pure and table-driven, like TransferPolicy.
//
// TLS and chunked bodies always go Buffered: over TLS the bytes only exist decrypted in a user
// buffer (nothing to splice, and recv into an aligned buffer is not possible through SslStream);
// a chunked body's framing is parsed in user space, so its data already sits in a buffer.
// Otherwise, auto: small bodies by splice (no user-space copy; their pages stay cached, since a
// file just uploaded is often read soon), large ones by LargeStrategy with KeepOutOfCache, so a
// 20 GiB upload cannot evict the hot set. Splice is the default large strategy: it is the only one
// without a copy through user space, and its drop-behind (sync_file_range + POSIX_FADV_DONTNEED)
// left under 5 % of a 64 MiB upload cached in the tests, like RWF_DONTCACHE and O_DIRECT.
// `sluice bench --upload` measures the three side by side.
// A length of 0 needs no mechanism at all; it is decided like any small body.
public static class ReceivePolicy
{
    // length: the body's Content-Length; null for a chunked body.
    public static ReceiveDecision Decide(ReceivePolicyOptions options, long? length, bool isTls)
    {
        bool large = length is long n && n >= options.DirectThreshold;
        if (isTls)
        {
            return new(ReceiveStrategy.Buffered, ReceiveReason.Tls, large);
        }

        if (length is null)
        {
            return new(ReceiveStrategy.Buffered, ReceiveReason.Chunked, KeepOutOfCache: false);
        }

        return options.Option switch
        {
            ReceiveStrategyOption.Buffered => new(ReceiveStrategy.Buffered, ReceiveReason.Forced, large),
            ReceiveStrategyOption.Splice => new(ReceiveStrategy.Splice, ReceiveReason.Forced, large),
            ReceiveStrategyOption.Dontcache => new(ReceiveStrategy.Dontcache, ReceiveReason.Forced, large),
            ReceiveStrategyOption.Direct => new(ReceiveStrategy.Direct, ReceiveReason.Forced, large),
            _ when large => new(options.LargeStrategy, ReceiveReason.Large, KeepOutOfCache: true),
            _ => new(ReceiveStrategy.Splice, ReceiveReason.BelowThreshold, KeepOutOfCache: false),
        };
    }
}
