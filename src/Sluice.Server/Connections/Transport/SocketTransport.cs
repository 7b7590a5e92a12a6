using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections.Transport;

// The raw descriptor: send(2) and sendfile(2) issued directly on the non-blocking socket, with
// EAGAIN turned into a wait on WritableWaiter; receives go through the runtime's Socket (its epoll
// completions run inline on the event threads). Every call is counted into the caller's tally.
// The only transport that can carry sendfile, and the only one exposing TrySendfile and
// WaitWritableAsync: the sendfile mechanism calls them on this sealed type, so its per-chunk loop
// pays no virtual dispatch.
//
// Progress (see ConnectionTransport): how much of what the kernel accepted from us the peer has
// acknowledged, from SIOCOUTQ. Exact here, because every byte the kernel took went through
// Accepted.
public sealed class SocketTransport : ConnectionTransport
{
    // As SendfileTransfer's: 8 MiB is a few milliseconds of a loopback reader, well above any small
    // or medium body, so only large bodies ever yield.
    private const long YieldBytes = 8L * 1024 * 1024;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly WritableWaiter _waiter;
    private long _accepted;   // bytes the kernel took from us (written by the sender, read by the heartbeat)
    private long _sinceWait;  // bytes sent by SendAsync since this connection last waited or yielded

    public SocketTransport(Socket socket, int fd, WritableWaiter waiter, TimeSpan sendTimeout, CancellationToken abort, long minSendRate = 0, TimeSpan minSendRateGrace = default)
        : base(sendTimeout, abort, minSendRate, minSendRateGrace)
    {
        _socket = socket;
        _fd = fd;
        _waiter = waiter;
    }

    public int Fd => _fd;

    public override bool IsTls => false;

    public override SocketTransport? Sendfile => this;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override async ValueTask<TransferOutcome> SendAsync(ReadOnlyMemory<byte> data, bool more, TransferTally tally)
    {
        while (!data.IsEmpty)
        {
            // A reader fast enough never to cause EAGAIN would otherwise keep this thread (an event
            // thread) for a whole large buffered body: hand it back every YieldBytes, as the
            // sendfile mechanism does, so the other connections on it get their turn.
            if (_sinceWait >= YieldBytes)
            {
                _sinceWait = 0;
                await Task.Yield();
            }

            IoResult result = SocketPal.Send(_fd, data.Span, more);
            tally.Count(SyscallKind.Send);
            switch (result.Status)
            {
                case IoStatus.Done:
                    tally.BytesSent += result.Bytes;
                    Accepted(result.Bytes);
                    _sinceWait += result.Bytes;
                    data = data[(int)result.Bytes..];
                    break;
                case IoStatus.WouldBlock:
                    _sinceWait = 0;
                    tally.Count(SyscallKind.EpollCtl);
                    TransferOutcome waited = await WaitWritableAsync().ConfigureAwait(false);
                    if (waited != TransferOutcome.Completed)
                    {
                        return waited;
                    }

                    break;
                case IoStatus.PeerGone:
                    return TransferOutcome.PeerGone;
                default:
                    return TransferOutcome.Failed;
            }
        }

        return TransferOutcome.Completed;
    }

    // Nothing is held in user space: MSG_MORE lets the kernel hold a partial segment, and the last
    // send of every response goes without it.
    public override ValueTask<TransferOutcome> FlushAsync(TransferTally tally) => ValueTask.FromResult(TransferOutcome.Completed);

    public IoResult TrySendfile(SafeFileHandle file, ref long offset, long count)
    {
        IoResult result = SocketPal.Sendfile(_fd, file, ref offset, count);
        if (result.Status == IoStatus.Done)
        {
            Accepted(result.Bytes);
        }

        return result;
    }

    public async ValueTask<TransferOutcome> WaitWritableAsync()
    {
        if (Token.IsCancellationRequested)
        {
            return TransferOutcome.TimedOut;
        }

        BeginWait();
        try
        {
            await _waiter.WaitAsync(_fd, Token).ConfigureAwait(false);
            return TransferOutcome.Completed;
        }
        catch (OperationCanceledException)
        {
            return TransferOutcome.TimedOut;
        }
        catch (IOException)
        {
            return TransferOutcome.Failed;
        }
        finally
        {
            EndWait();
        }
    }

    // The descriptor may have been closed and reused between the heartbeat's read of the deadline
    // and the ioctl; the read-only ioctl is harmless then, and the heartbeat only extends the wait
    // it saw.
    protected override bool TryGetDelivered(out long delivered)
    {
        if (!SocketPal.TryGetUnacknowledgedBytes(_fd, out int unacknowledged))
        {
            delivered = 0;
            return false;
        }

        delivered = Volatile.Read(ref _accepted) - unacknowledged;
        return true;
    }

    private void Accepted(long n) => Volatile.Write(ref _accepted, _accepted + n);
}
