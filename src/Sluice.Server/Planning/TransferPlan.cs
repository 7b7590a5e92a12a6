using Sluice.Core.Policy;

namespace Sluice.Server.Planning;

// What the mover needs from the planner: the strategy, what is known of the range's residency,
// and whether the range is to be read ahead sequentially (posix_fadvise).
public readonly record struct TransferPlan(TransferDecision Decision, BodyResidency Residency, bool AdviseSequential)
{
    // sendfile must have the disk engine make (part of) the range resident before sending it.
    public bool PopulateNeeded => Decision.Strategy == TransferStrategy.Sendfile && Residency != BodyResidency.Complete;
}
