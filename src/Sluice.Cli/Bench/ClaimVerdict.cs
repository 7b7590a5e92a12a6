namespace Sluice.Cli.Bench;

// One line of the seed-claims check: which claim, what the measurements say, and the figures.
internal sealed record ClaimVerdict(string Claim, ClaimOutcome Outcome, string Text);
