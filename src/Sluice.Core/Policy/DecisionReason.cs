namespace Sluice.Core.Policy;

public enum DecisionReason : byte
{
    Forced,
    BelowThreshold,
    Tls,
}
