namespace Sluice.Core.Policy;

// Picks the mechanism for one file body. Pure and table-driven, so every rule is tested without a
// file or a socket. The reasoning is nginx's `sendfile on; aio threads; directio N;` plus one
// step further: a large body whose range is already resident goes by sendfile anyway, because
// reading it again from disk with O_DIRECT would throw away the cached copy's advantage.
public static class TransferPolicy
{
    // Whether Decide needs the residency of the range: only auto's large bodies do, so small
    // files never pay for the cachestat call.
    public static bool NeedsResidency(TransferPolicyOptions options, long bodyLength, bool isTls) =>
        !isTls && options.Option == StrategyOption.Auto && bodyLength >= options.DirectThreshold;

    // residentFraction: share of the range's pages in the page cache, or null when not measured.
    public static TransferDecision Decide(TransferPolicyOptions options, long bodyLength, bool isTls, double? residentFraction)
    {
        // sendfile cannot see through user-space encryption: TLS always needs the bytes in user space.
        if (isTls)
        {
            return new(TransferStrategy.Buffered, DecisionReason.Tls);
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
}
