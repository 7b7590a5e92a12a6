namespace Sluice.Core.Policy;

// Picks how one request body reaches its file. Pure and table-driven, like TransferPolicy.
//
// TLS and chunked bodies always go Buffered: over TLS the bytes only exist decrypted in a user
// buffer (nothing to splice, and recv into an aligned buffer is not possible through SslStream);
// a chunked body's framing is parsed in user space, so its data already sits in a buffer.
// Otherwise, auto: small bodies by splice (no user-space copy; their pages stay cached, since a
// file just uploaded is often read soon), large ones by LargeStrategy with KeepOutOfCache, so a
// 20 GiB upload cannot evict the hot set. Dontcache is the default large strategy: measured
// (KVM guest, 2026-12-01, `sluice bench --upload`, 1 GiB) it moved 1.02–1.88× splice-with-drop-behind's
// MB/s in every round at no resolved difference in CPU per GiB — splice avoids the copy through user
// space, but splice into a file copies pipe pages into the page cache anyway, and its drop-behind
// waits on writeback per chunk. Where the file system refuses RWF_DONTCACHE the server takes splice
// with drop-behind instead (OutOfCacheReceive). Another machine may rank them differently: rerun
// `sluice bench --upload` and set LargeStrategy there.
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
