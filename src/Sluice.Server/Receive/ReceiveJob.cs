using Microsoft.Win32.SafeHandles;
using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Receive;

// One unframed run of body bytes to place in a file: Buffered (bytes that arrived with the head
// or an earlier read) first, then Length - Buffered.Length more from the transport.
public sealed record ReceiveJob(
    ConnectionTransport Transport,
    ReadOnlyMemory<byte> Buffered,
    SafeFileHandle File,
    long FileOffset,
    long Length,
    ReceiveTally Tally)
{
    // The body deadline (timeout, minimum rate) that every wait for the client runs under; null:
    // only Transport.Token bounds the waits (tests of a mechanism alone).
    public IReceiveDeadline? Deadline { get; init; }
}
