namespace Sluice.Server.Receive;

// Count: bytes placed in the caller's buffer (0 with Completed: the body ended as framed).
public readonly record struct BodyRead(int Count, ReceiveOutcome Outcome);
