namespace Sluice.Server.Planning;

// What the planner knows about the page-cache residency of a body's range, for the mover.
public enum BodyResidency : byte
{
    // Not measured (the strategy reads through the engine or with RWF_NOWAIT, which needs no answer).
    Unknown,
    // Every page was cached at plan time: sendfile needs no further check.
    Complete,
    // Some pages were missing at plan time (or cachestat could not say): sendfile checks each
    // window and has the engine make it resident first.
    Partial,
}
