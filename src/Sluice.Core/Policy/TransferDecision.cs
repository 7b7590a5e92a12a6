namespace Sluice.Core.Policy;

public readonly record struct TransferDecision(TransferStrategy Strategy, DecisionReason Reason);
