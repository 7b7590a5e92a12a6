using System.Net;

namespace Sluice.Server.Hosting;

// A listener could not be bound; names which one ("main" or "metrics") and where, for a
// one-line error at start.
public sealed class ListenerBindException : Exception
{
    public ListenerBindException(string listener, EndPoint endpoint, System.Net.Sockets.SocketException inner)
        : base($"cannot listen on {endpoint} ({listener} listener): {Describe(inner)}", inner)
    {
        Listener = listener;
    }

    public ListenerBindException()
    {
        Listener = "";
    }

    public ListenerBindException(string message)
        : base(message)
    {
        Listener = "";
    }

    public ListenerBindException(string message, Exception inner)
        : base(message, inner)
    {
        Listener = "";
    }

    public string Listener { get; }

    private static string Describe(System.Net.Sockets.SocketException ex) => ex.SocketErrorCode switch
    {
        System.Net.Sockets.SocketError.AddressAlreadyInUse => "address already in use (another server holds this port)",
        System.Net.Sockets.SocketError.AccessDenied => "permission denied",
        System.Net.Sockets.SocketError.AddressNotAvailable => "address not available on this host",
        _ => ex.Message,
    };
}
