using Sluice.Core.Policy;
using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Transfer;

// One implementation per strategy. It sends the response head and the described body, handles
// partial writes, EAGAIN, truncation and a vanished client, and counts what it did into tally.
public interface ITransferMechanism
{
    TransferStrategy Strategy { get; }

    ValueTask<TransferOutcome> SendAsync(ConnectionTransport transport, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally);
}
