using Sluice.Core.Policy;

namespace Sluice.Server.Receive;

// Bytes: body bytes written to the file by this call. Strategy: what moved them (for the access
// log's strategy= and /metrics), after any fallback.
public readonly record struct ReceiveResult(ReceiveOutcome Outcome, long Bytes, ReceiveStrategy Strategy);
