namespace Sluice.Cli.Bench;

// What the measurements say about one of the seed's claims.
internal enum ClaimOutcome
{
    // Every round agrees with the claim.
    Holds,
    // Every round contradicts it.
    Differs,
    // The rounds disagree among themselves: the spread straddles the claim's threshold.
    Unresolved,
    // The figure that would decide it was not measured in this run (e.g. no --strace).
    NotChecked,
    Info,
}
