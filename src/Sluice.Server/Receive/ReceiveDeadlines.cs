namespace Sluice.Server.Receive;

internal static class ReceiveDeadlines
{
    // What every wait for the client in a receive waits on. The body deadline's token is the
    // connection's receive token (cancelled by the heartbeat past the body timeout or below the
    // minimum rate); the transport's token is cancelled only by a send deadline or a server abort,
    // so a mechanism that waited on it alone would hang on a client that stalls mid-body.
    public static CancellationToken TokenOf(ReceiveJob job) => job.Deadline?.Token ?? job.Transport.Token;
}
