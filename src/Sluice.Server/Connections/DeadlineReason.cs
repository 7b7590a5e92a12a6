namespace Sluice.Server.Connections;

// What the connection is waiting for when its one receive deadline is armed.
public enum DeadlineReason : byte
{
    None,
    // A request head (and a discarded body): from accept for the first request, from the first
    // byte for later ones.
    Header,
    // The next request on an idle persistent connection.
    KeepAlive,
    // The brief drain after a response that closes the connection (lingering close).
    Linger,
    // A request body (uploads): the body timeout and the minimum receive rate (Http1Connection.Body.cs).
    Body,
}
