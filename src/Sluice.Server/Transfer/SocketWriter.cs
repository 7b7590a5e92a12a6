using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Transfer;

// The write side of one connection: send(2) and sendfile(2) issued directly on the non-blocking
// socket, with EAGAIN turned into a wait on WritableWaiter bounded by the send timeout. Every
// call is counted into the caller's tally.
public sealed class SocketWriter : IDisposable
{
    private readonly int _fd;
    private readonly WritableWaiter _waiter;
    private readonly TimeSpan _sendTimeout;
    private readonly CancellationTokenSource _cancel;
    private long _deadline;

    public SocketWriter(int fd, WritableWaiter waiter, TimeSpan sendTimeout, CancellationToken abort)
    {
        _fd = fd;
        _waiter = waiter;
        _sendTimeout = sendTimeout;
        // Cancelled by a server abort, or by the heartbeat when a wait outlives the send timeout.
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
    }

    // Called by the connection's heartbeat: a client that has not read for SendTimeout is dropped.
    public void OnHeartbeat(long now)
    {
        long deadline = Volatile.Read(ref _deadline);
        if (deadline != 0 && now > deadline)
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection closed between the check and the cancel.
            }
        }
    }

    public void Dispose() => _cancel.Dispose();

    public int Fd => _fd;

    public CancellationToken Token => _cancel.Token;

    // Sends all of data. more = MSG_MORE: a file body follows, so the kernel may hold a partial
    // segment instead of pushing the head out alone.
    public async ValueTask<TransferOutcome> SendAsync(ReadOnlyMemory<byte> data, bool more, TransferTally tally)
    {
        while (!data.IsEmpty)
        {
            IoResult result = SocketPal.Send(_fd, data.Span, more);
            tally.Count(SyscallKind.Send);
            switch (result.Status)
            {
                case IoStatus.Done:
                    tally.BytesSent += result.Bytes;
                    data = data[(int)result.Bytes..];
                    break;
                case IoStatus.WouldBlock:
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

    public IoResult TrySendfile(SafeFileHandle file, ref long offset, long count) => SocketPal.Sendfile(_fd, file, ref offset, count);


    public async ValueTask<TransferOutcome> WaitWritableAsync()
    {
        Volatile.Write(ref _deadline, Environment.TickCount64 + (long)_sendTimeout.TotalMilliseconds);
        try
        {
            await _waiter.WaitAsync(_fd, _cancel.Token).ConfigureAwait(false);
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
            Volatile.Write(ref _deadline, 0);
        }
    }
}
