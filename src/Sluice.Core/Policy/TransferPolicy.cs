namespace Sluice.Core.Policy;

// Picks the mechanism for one file body. Pure and table-driven, so every rule is tested without a
// file or a socket. The reasoning is nginx's `sendfile on; aio threads; directio N;` plus one
// step further: a large body whose range is already resident goes by sendfile anyway, because
// reading it again from disk with O_DIRECT would throw away the cached copy's advantage.
public static class TransferPolicy
{
    // Whether Decide needs the residency of the range: only auto's large bodies do (and, over TLS,
    // a forced sendfile's, which is decided as auto), so small files never pay for the cachestat call.
    public static bool NeedsResidency(TransferPolicyOptions options, long bodyLength, bool isTls) =>
        bodyLength >= options.DirectThreshold
        && (options.Option == StrategyOption.Auto || (isTls && options.Option == StrategyOption.Sendfile));

    // residentFraction: share of the range's pages in the page cache, or null when not measured.
    public static TransferDecision Decide(TransferPolicyOptions options, long bodyLength, bool isTls, double? residentFraction)
    {
        // sendfile cannot see through user-space encryption (no kernel TLS here): over TLS the bytes
        // go by the read paths. A forced read path is kept; auto and a forced sendfile are decided
        // by DecideTls, and their reason says tls.
        if (isTls && options.Option is StrategyOption.Auto or StrategyOption.Sendfile)
        {
            return DecideTls(options, bodyLength, residentFraction);
        }

        switch (options.Option)
        {
            case StrategyOption.Buffered:
                return new(TransferStrategy.Buffered, DecisionReason.Forced);
            case StrategyOption.Sendfile:
                return new(TransferStrategy.Sendfile, DecisionReason.Forced);
            case StrategyOption.Direct:
                return new(TransferStrategy.Direct, DecisionReason.Forced);
            case StrategyOption.Dontcache:
                return new(TransferStrategy.Dontcache, DecisionReason.Forced);
            case StrategyOption.Copy:
                return new(TransferStrategy.Copy, DecisionReason.Forced);
        }

        if (bodyLength <= options.CopyThreshold)
        {
            return new(TransferStrategy.Copy, DecisionReason.Small);
        }

        if (bodyLength < options.DirectThreshold)
        {
            return new(TransferStrategy.Sendfile, DecisionReason.BelowThreshold);
        }

        return residentFraction switch
        {
            null => new(options.LargeStrategy, DecisionReason.ResidencyUnknown),
            double f when f >= options.ResidentFraction => new(TransferStrategy.Sendfile, DecisionReason.Resident),
            _ => new(options.LargeStrategy, DecisionReason.LargeCold),
        };
    }

    // TLS: small and mid-sized bodies, and large ones already in the page cache, by copy (reads
    // that hit the cache run inline, and each write becomes full 16 KiB records); large cold ones
    // by the disk engine around the cache, as auto sends them without TLS.
    private static TransferDecision DecideTls(TransferPolicyOptions options, long bodyLength, double? residentFraction) =>
        bodyLength < options.DirectThreshold || residentFraction >= options.ResidentFraction
            ? new(TransferStrategy.Copy, DecisionReason.Tls)
            : new(options.LargeStrategy, DecisionReason.Tls);
}
