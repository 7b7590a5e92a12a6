using Sluice.Server.Hosting;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // Set by the accept loop before the connection runs; null for a connection made without one.
    internal ConnectionSlot? Slot { get; init; }

    // Just before the client can see this connection end (half-close, close_notify, close): the
    // slots it holds go back now, not after the close, so a client that reconnects at once is not
    // refused by its own previous connection (ConnectionSlot). The PROXY-named client's slot is
    // only ever touched by this connection's own flow, so it is released here and in RunAsync's
    // finally, never from Abort's thread.
    private void ReleaseSlotsBeforeLinger()
    {
        ReleaseProxiedSlot();
        Slot?.ReleaseForLinger();
    }

    private void ReleaseSlotsBeforeClose()
    {
        ReleaseProxiedSlot();
        Slot?.Release();
    }
}
