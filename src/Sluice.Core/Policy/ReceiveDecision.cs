namespace Sluice.Core.Policy;

// KeepOutOfCache: the body is at or above the direct threshold, so whatever carries it should not
// leave it in the page cache (the splice mechanism then drops pages behind its write front; the
// dontcache and direct strategies never keep them anyway).
public readonly record struct ReceiveDecision(ReceiveStrategy Strategy, ReceiveReason Reason, bool KeepOutOfCache);
