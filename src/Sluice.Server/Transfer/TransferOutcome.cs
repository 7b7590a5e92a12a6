namespace Sluice.Server.Transfer;

public enum TransferOutcome : byte
{
    Completed,
    // The client closed or reset the connection.
    PeerGone,
    // The file ended before Content-Length bytes were sent: it shrank while being sent.
    Truncated,
    // The client stopped reading for longer than the send timeout, or the server is shutting down.
    TimedOut,
    Failed,
}
