using System.Buffers;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Receive;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // A chunked request body (RFC 9112 §7.1), decoded by ChunkedDecoder from the connection's own
    // buffer: framing bytes never leave it, and bytes after the last chunk and trailers stay there
    // for the next request. Chunk data goes to the caller's buffer; while the decoder is inside a
    // chunk and nothing is buffered, the data is received straight into the caller's buffer (one
    // copy, as for a Content-Length body).
    //
    // Into a file, a chunked body always goes Buffered (ReceivePolicy: its framing is parsed in
    // user space, so its data is in a buffer anyway): decoded data is gathered into a 256 KiB
    // buffer and each full buffer is one pwrite on the disk engine, so tiny chunks do not become
    // tiny writes. The upload limit is checked on the decoded length as it grows: the first read
    // past maxBytes ends the body TooLarge (413), before anything past the limit is written.
    private sealed partial class ConnectionBody
    {
        private bool _chunked;
        private ChunkedDecoder _decoder;

        private async ValueTask<BodyRead> ReadChunkedAsync(Memory<byte> buffer)
        {
            Http1Connection c = _connection;
            while (!_decoder.IsDone)
            {
                if (c._end > c._start)
                {
                    // Input no longer than the caller's buffer: the data slice Decode returns lies
                    // within its input, so it always fits.
                    int available = Math.Min(c._end - c._start, buffer.Length);
                    ChunkedStatus status = _decoder.Decode(c._buffer.AsSpan(c._start, available), out int consumed, out int dataOffset, out int dataLength);
                    if (status == ChunkedStatus.Data)
                    {
                        c._buffer.AsMemory(c._start + dataOffset, dataLength).CopyTo(buffer);
                    }

                    c._start += consumed;
                    switch (status)
                    {
                        case ChunkedStatus.Data:
                            _consumed += dataLength;
                            return new BodyRead(dataLength, ReceiveOutcome.Completed);
                        case ChunkedStatus.Invalid:
                            return new BodyRead(0, Outcome = ReceiveOutcome.BadFraming);
                        default:
                            continue;
                    }
                }

                // Nothing buffered. Inside a chunk, receive its data into the caller's buffer;
                // otherwise (framing) into the connection's buffer, emptied above.
                long inChunk = _decoder.RemainingInChunk;
                Memory<byte> target = inChunk > 0 ? buffer[..(int)Math.Min(buffer.Length, inChunk)] : c._buffer.AsMemory();
                if (inChunk == 0)
                {
                    c._start = c._end = 0;
                }

                int n = 0;
                BeginWait();
                try
                {
                    n = await c._transport.ReceiveAsync(target, Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return new BodyRead(0, Outcome = ReceiveOutcome.TimedOut);
                }
                catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
                {
                    return new BodyRead(0, Outcome = ReceiveOutcome.PeerGone);
                }
                finally
                {
                    EndWait(n);
                }

                if (n == 0)
                {
                    return new BodyRead(0, Outcome = ReceiveOutcome.PeerGone);
                }

                if (inChunk > 0)
                {
                    _decoder.ConsumeData(n);
                    _consumed += n;
                    return new BodyRead(n, ReceiveOutcome.Completed);
                }

                c._end = n;
            }

            return new BodyRead(0, ReceiveOutcome.Completed);
        }

        private async ValueTask<ReceiveResult> WriteChunkedToAsync(SafeFileHandle file, long offset, long maxBytes)
        {
            byte[] staging = ArrayPool<byte>.Shared.Rent(BufferedReceive.DefaultChunkBytes);
            long written = 0;
            try
            {
                while (true)
                {
                    int filled = 0;
                    ReceiveOutcome ended = ReceiveOutcome.Completed;
                    while (filled < staging.Length && !IsComplete)
                    {
                        BodyRead read = await ReadAsync(staging.AsMemory(filled)).ConfigureAwait(false);
                        if (read.Outcome != ReceiveOutcome.Completed)
                        {
                            ended = read.Outcome;
                            break;
                        }

                        filled += read.Count;
                        if (written + filled > maxBytes)
                        {
                            Outcome = ReceiveOutcome.TooLarge;
                            return new ReceiveResult(ReceiveOutcome.TooLarge, written, ReceiveStrategy.Buffered);
                        }
                    }

                    // Bytes received before a cut are still written (a resumable upload keeps them).
                    if (filled > 0)
                    {
                        ReceiveOutcome wrote = await WriteAsync(file, staging.AsMemory(0, filled), offset + written).ConfigureAwait(false);
                        if (wrote != ReceiveOutcome.Completed)
                        {
                            Outcome = wrote;
                            return new ReceiveResult(wrote, written, ReceiveStrategy.Buffered);
                        }

                        written += filled;
                    }

                    if (ended != ReceiveOutcome.Completed || IsComplete)
                    {
                        return new ReceiveResult(ended, written, ReceiveStrategy.Buffered);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(staging);
            }
        }

        private async ValueTask<ReceiveOutcome> WriteAsync(SafeFileHandle file, ReadOnlyMemory<byte> data, long offset)
        {
            _tally.WriteCalls++;
            _tally.EngineRequests++;
            IoResult result = await _connection._server.DiskEngine.RunDataAsync(
                static s => FilePal.Pwrite(s.File, s.Data.Span, s.Offset),
                (File: file, Data: data, Offset: offset)).ConfigureAwait(false);
            if (result.Status != IoStatus.Done)
            {
                return BufferedReceive.OutcomeOf(FilePal.WriteStatusOf(result.Errno));
            }

            _tally.BytesWritten += result.Bytes;
            return ReceiveOutcome.Completed;
        }
    }
}
