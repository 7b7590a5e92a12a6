namespace Sluice.Server.Receive;

// The body's receive deadline as a mechanism sees it (the connection implements it on its one
// deadline word, DeadlineReason.Body). A mechanism calls BeginWait before each wait for the client
// and EndWait after it, so time spent writing to disk is never charged to the client; a wait past
// the body timeout or below the minimum receive rate cancels Token (→ ReceiveOutcome.TimedOut).
public interface IReceiveDeadline
{
    CancellationToken Token { get; }

    void BeginWait();

    // bytes: what the wait delivered (0 when it ended without data).
    void EndWait(long bytes);

    // Bytes that arrived outside a wait (splice moves them after a readiness wait that reports
    // none): they count toward the minimum receive rate as if a wait had delivered them.
    void Credit(long bytes);
}
