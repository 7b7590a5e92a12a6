namespace Sluice.Core.Policy;

// Picks the mechanism for one file body. Pure and table-driven, so every rule is tested
// without a file or a socket.
public static class TransferPolicy
{
    public static TransferDecision Decide(StrategyOption option, long bodyLength, bool isTls)
    {
        // sendfile cannot see through user-space encryption: TLS always needs the bytes in user space.
        if (isTls)
        {
            return new(TransferStrategy.Buffered, DecisionReason.Tls);
        }

        return option switch
        {
            StrategyOption.Buffered => new(TransferStrategy.Buffered, DecisionReason.Forced),
            StrategyOption.Sendfile => new(TransferStrategy.Sendfile, DecisionReason.Forced),
            // Until the large-file strategies exist, every plain-text body goes by sendfile.
            _ => new(TransferStrategy.Sendfile, DecisionReason.BelowThreshold),
        };
    }
}
