using System.Buffers;
using System.Net.Sockets;
using Sluice.Interop.Pal;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections.Transport;

// Any System.IO.Stream as a connection's transport: an SslStream for TLS (--tls-cert), a NetworkStream
// in the tests that prove the seam. sendfile cannot carry it (Sendfile stays null), so the planner
// sends its bodies by the read paths, which read into buffers and only ever send buffers.
//
// Timeouts: a stream has no EAGAIN to wait on; a write that the stream cannot complete at once is
// itself the wait, so every write runs under the send deadline (BeginWait/EndWait) and is
// cancelled through Token when the heartbeat trips it.
//
// Progress (see ConnectionTransport): with the underlying socket known, the peer's acknowledged
// bytes from TCP_INFO (tcpi_bytes_acked). Counting bytes written to the stream instead would see
// nothing while one write waits for a third of a multi-megabyte send buffer to drain, so a client
// reading steadily at 2 KB/s would be dropped as stalled; and SIOCOUTQ needs the count of bytes
// the kernel accepted, which a stream hides (it splits sends, TLS adds record headers and tags).
// bytes_acked counts wire bytes, so over TLS the minimum rate is measured with the records'
// overhead included (about 0.1 % at full records). Without a socket (a stream that is not over
// one) completed writes are counted: coarse, but the only thing such a stream can tell.
//
// MSG_MORE is emulated by coalescing: a send with more: true shorter than the record buffer is
// held and goes out with what follows, so a response head and its first body bytes leave in one
// write (as MSG_MORE coalesces them into one segment) — over TLS, one record instead of a tiny
// record for the head. The last send of a response (more: false) and FlushAsync push it out.
public sealed class StreamTransport : ConnectionTransport
{
    // The hook for TLS record sizing: 16 KiB is TLS's largest record plaintext (RFC 8446 §5.1), so
    // through SslStream every coalesced write becomes exactly one full record; larger buffers are
    // written as they come and SslStream cuts them into full records itself. A TLS transport that
    // wants smaller first records (fast start, as nginx's ssl_dyn_rec) changes only this policy.
    internal const int RecordBytes = 16 * 1024;

    private readonly Stream _stream;
    private readonly Socket? _socket;
    private readonly bool _isTls;
    private byte[]? _held;
    private int _heldBytes;
    private long _written;

    public StreamTransport(Stream stream, Socket? socket, bool isTls, TimeSpan sendTimeout, CancellationToken abort, long minSendRate = 0, TimeSpan minSendRateGrace = default)
        : base(sendTimeout, abort, minSendRate, minSendRateGrace)
    {
        _stream = stream;
        _socket = socket;
        _isTls = isTls;
    }

    public override bool IsTls => _isTls;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _stream.ReadAsync(buffer, cancellationToken);

    public override async ValueTask<TransferOutcome> SendAsync(ReadOnlyMemory<byte> data, bool more, TransferTally tally)
    {
        while (true)
        {
            if (_heldBytes == 0 && (data.Length >= RecordBytes || (!more && !data.IsEmpty)))
            {
                // Nothing held, and nothing to gain from holding this: write it as it is.
                return await WriteAsync(data, tally).ConfigureAwait(false);
            }

            if (data.IsEmpty && (more || _heldBytes == 0))
            {
                return TransferOutcome.Completed;
            }

            _held ??= ArrayPool<byte>.Shared.Rent(RecordBytes);
            int take = Math.Min(data.Length, RecordBytes - _heldBytes);
            data[..take].CopyTo(_held.AsMemory(_heldBytes));
            _heldBytes += take;
            data = data[take..];
            if (more && data.IsEmpty && _heldBytes < RecordBytes)
            {
                return TransferOutcome.Completed; // held for what follows
            }

            TransferOutcome written = await FlushAsync(tally).ConfigureAwait(false);
            if (written != TransferOutcome.Completed || data.IsEmpty)
            {
                return written;
            }
        }
    }

    public override ValueTask<TransferOutcome> FlushAsync(TransferTally tally)
    {
        if (_heldBytes == 0)
        {
            return ValueTask.FromResult(TransferOutcome.Completed);
        }

        int count = _heldBytes;
        _heldBytes = 0;
        return WriteAsync(_held.AsMemory(0, count), tally);
    }

    protected override bool TryGetDelivered(out long delivered)
    {
        if (_socket is not null)
        {
            return SocketPal.TryGetBytesAcknowledged(_socket, out delivered);
        }

        delivered = Volatile.Read(ref _written);
        return true;
    }

    protected override void DisposeCore()
    {
        _stream.Dispose();
        if (_held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
        }
    }

    // One write to the stream, counted as one send (a NetworkStream or SslStream may issue more
    // than one send(2) for it; the count is of writes the transport asked for).
    private async ValueTask<TransferOutcome> WriteAsync(ReadOnlyMemory<byte> data, TransferTally tally)
    {
        if (Token.IsCancellationRequested)
        {
            return TransferOutcome.TimedOut;
        }

        tally.Count(SyscallKind.Send);
        BeginWait();
        try
        {
            await _stream.WriteAsync(data, Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return TransferOutcome.TimedOut;
        }
        catch (IOException ex)
        {
            // The stream wraps the socket's error: a reset or broken pipe is the peer going away.
            return ex.InnerException is SocketException ? TransferOutcome.PeerGone : TransferOutcome.Failed;
        }
        catch (ObjectDisposedException)
        {
            return TransferOutcome.Failed;
        }
        finally
        {
            EndWait();
        }

        tally.BytesSent += data.Length;
        Volatile.Write(ref _written, _written + data.Length);
        return TransferOutcome.Completed;
    }
}
