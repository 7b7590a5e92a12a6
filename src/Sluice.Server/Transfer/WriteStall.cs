namespace Sluice.Server.Transfer;

// Why a ConnectionTransport gave up on its client (its Token is cancelled for each of these).
public enum WriteStall : byte
{
    None,
    // One wait for writability outlived the send timeout: the client stopped reading.
    SendTimeout,
    // The client takes the response more slowly than the minimum send rate.
    MinSendRate,
    // The connection or the whole server was aborted.
    Aborted,
}
