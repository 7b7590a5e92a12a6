using System.Net;

namespace Sluice.Server.Hosting;

// One connection's hold on --max-connections and, when it took one, on its address's
// --max-connections-per-address slot.
//
// Why a slot is released before the close and not when the connection's task ends: the client
// sees the connection end at the FIN (half-close, TLS close_notify, or the close itself) and may
// connect again at once; a slot still held then refuses it with 503 (a hostile review measured
// 75 of 300 strictly sequential connections refused with a per-address limit of 1). So the
// connection releases it just before the first thing the client can observe as the end
// (Http1Connection.Slots.cs), on every path: a lingering close, an abort, a failed TLS handshake
// or PROXY header, an exception. Release is idempotent (one Interlocked exchange): the early
// release, Abort on another thread and the server's final safety net may all call it, and the
// counts are decremented exactly once.
//
// A lingering close (Apache's and nginx's: drain up to 2 s before close, so the response is not
// destroyed by RST) still holds a descriptor after its slot is released; at most
// SluiceServer.MaxLingeringCloses connections linger without a slot, past that a connection keeps
// its slot through the linger (the old behaviour), so descriptors stay bounded under a flood.
public sealed class ConnectionSlot
{
    private readonly SluiceServer _server;
    private readonly IPAddress? _address;
    private int _released;
    // Only the connection's own flow touches this (the linger start, then the end).
    private bool _lingering;

    internal ConnectionSlot(SluiceServer server, IPAddress? address)
    {
        _server = server;
        _address = address;
    }

    public bool Released => Volatile.Read(ref _released) != 0;

    // Thread-safe and idempotent.
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (_address is not null)
        {
            _server.ReleaseAddressSlot(_address);
        }

        _server.ReleaseConnectionSlot();
    }

    // The connection is about to half-close and drain: release now if the linger budget allows.
    public void ReleaseForLinger()
    {
        if (Released || _lingering || !_server.TryEnterLinger())
        {
            return;
        }

        _lingering = true;
        Release();
    }

    // The connection's descriptor is about to close (or has): everything is given back.
    public void End()
    {
        Release();
        if (_lingering)
        {
            _lingering = false;
            _server.ExitLinger();
        }
    }
}
