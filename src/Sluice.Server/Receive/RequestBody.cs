using Microsoft.Win32.SafeHandles;

namespace Sluice.Server.Receive;

// A request's body as the handlers that accept one (PUT, tus PATCH/POST) see it: framing
// (Content-Length or chunked), Expect: 100-continue, the receive deadlines and the bytes already
// buffered behind the head are the connection's business, not theirs.
//
// Contract (the connection's implementation keeps it):
//  - "100 Continue" goes out before the first byte is read, and only if the client asked for it;
//    a handler that answers without reading the body (413, 401, 412) never causes it to be sent,
//    and the connection then closes (or discards a small body) after the response;
//  - reads return decoded body bytes (chunk framing removed); 0 means the body ended as framed;
//  - a client that closes early, stalls past the body timeout or trickles below the minimum
//    receive rate ends the read with ReceiveOutcome.PeerGone / TimedOut, never a hang;
//  - WriteToAsync moves the rest of the body (at most maxBytes) into a file at an offset by the
//    receive mechanism the planner picks (splice where the kernel and the framing allow it), and
//    never waits on the disk on a thread that serves sockets.
public abstract class RequestBody
{
    // Content-Length when the body declared one; null for a chunked body.
    public abstract long? DeclaredLength { get; }

    // Decoded body bytes handed out so far.
    public abstract long Consumed { get; }

    // Whether the body has been read to its end.
    public abstract bool IsComplete { get; }

    public abstract ValueTask<BodyRead> ReadAsync(Memory<byte> buffer);

    public abstract ValueTask<ReceiveResult> WriteToAsync(SafeFileHandle file, long offset, long maxBytes);
}
