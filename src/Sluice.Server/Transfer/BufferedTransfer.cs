using System.Buffers;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Transfer;

// The copy loop: pread a chunk into a user buffer, send it, repeat — two system calls and two CPU
// copies per chunk. The response head rides in the first send (as nginx's copy path does with
// writev). Two instances exist:
//  - buffered: the seed's classic 32 KiB loop, kept on purpose as the measured baseline and as
//    the universal fallback of the other mechanisms;
//  - copy: small bodies read whole (one pread) behind the head and sent in one send.
//
// Threading: this runs on the thread that serves the socket, so each read is first tried with
// preadv2(RWF_NOWAIT), which serves a page-cache hit inline and never waits; what it could not
// serve (EAGAIN, or a short count: part of the chunk is not cached) is read by the disk engine,
// and the transfer resumes on the thread pool. Filesystems that refuse RWF_NOWAIT (tmpfs) are
// learned once per filesystem (FilesystemCapabilities) and read through the engine from then on.
public sealed class BufferedTransfer : ITransferMechanism
{
    private readonly int _chunkBytes;
    private readonly IDiskEngine _disk;
    private readonly FilesystemCapabilities _capabilities;

    public BufferedTransfer(int chunkBytes, IDiskEngine disk, FilesystemCapabilities capabilities, TransferStrategy strategy = TransferStrategy.Buffered)
    {
        _chunkBytes = chunkBytes;
        _disk = disk;
        _capabilities = capabilities;
        Strategy = strategy;
    }

    public TransferStrategy Strategy { get; }

    // Bytes per read: also the heap buffer the cache-bypassing strategies use when their aligned
    // budget is exhausted, so that path costs a connection no more than this loop does.
    public int ChunkBytes => _chunkBytes;

    public async ValueTask<TransferOutcome> SendAsync(ConnectionTransport transport, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        int largestPreamble = 0;
        foreach (FileSegment segment in body.Segments)
        {
            largestPreamble = Math.Max(largestPreamble, segment.Preamble.Length);
        }

        // Sized to what is needed: a 4 KiB file does not rent a 32 KiB buffer.
        int bufferBytes = head.Length + largestPreamble + (int)Math.Min(_chunkBytes, body.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
        try
        {
            ReadOnlyMemory<byte> pending = head;
            for (int i = 0; i < body.Segments.Count; i++)
            {
                FileSegment segment = body.Segments[i];
                TransferOutcome outcome = await SendRangeAsync(transport, body, segment.Offset, segment.Length, pending, segment.Preamble, buffer, tally).ConfigureAwait(false);
                if (outcome != TransferOutcome.Completed)
                {
                    return outcome;
                }

                pending = ReadOnlyMemory<byte>.Empty;
            }

            return body.Epilogue.IsEmpty
                ? TransferOutcome.Completed
                : await transport.SendAsync(body.Epilogue, more: false, tally).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The fallback of the other mechanisms: [offset, offset+length) of file by the copy loop, with
    // a buffer of its own.
    internal async ValueTask<TransferOutcome> SendRangeAsync(ConnectionTransport transport, FileBody body, long offset, long length, TransferTally tally)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_chunkBytes);
        try
        {
            return await SendRangeAsync(transport, body, offset, length, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, buffer, tally).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Sends prefix and preamble, then [offset, offset+length) of file by pread + send, the
    // prefixes riding in the first send. Also the fallback of the other mechanisms.
    internal async ValueTask<TransferOutcome> SendRangeAsync(
        ConnectionTransport transport, FileBody body, long offset, long length, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> preamble, byte[] buffer, TransferTally tally)
    {
        int prefixLength = prefix.Length + preamble.Length;
        if (prefixLength >= buffer.Length)
        {
            TransferOutcome sent = await transport.SendAsync(prefix, more: true, tally).ConfigureAwait(false);
            if (sent == TransferOutcome.Completed)
            {
                sent = await transport.SendAsync(preamble, more: true, tally).ConfigureAwait(false);
            }

            if (sent != TransferOutcome.Completed)
            {
                return sent;
            }

            prefixLength = 0;
        }
        else
        {
            prefix.CopyTo(buffer);
            preamble.CopyTo(buffer.AsMemory(prefix.Length));
        }

        long remaining = length;
        while (remaining > 0)
        {
            int want = (int)Math.Min(Math.Min(_chunkBytes, buffer.Length - prefixLength), remaining);
            IoResult read = await ReadAsync(body, buffer, prefixLength, want, offset, tally, transport.Token).ConfigureAwait(false);
            if (read.Status == IoStatus.Cancelled)
            {
                return TransferOutcome.TimedOut;
            }

            if (read.Status == IoStatus.EndOfFile)
            {
                // The file shrank below the Content-Length we promised: abort, never pad.
                return TransferOutcome.Truncated;
            }

            if (read.Status != IoStatus.Done)
            {
                return TransferOutcome.Failed;
            }

            tally.BytesRead += read.Bytes;
            offset += read.Bytes;
            remaining -= read.Bytes;
            TransferOutcome outcome = await transport.SendAsync(buffer.AsMemory(0, prefixLength + (int)read.Bytes), more: remaining > 0, tally).ConfigureAwait(false);
            if (outcome != TransferOutcome.Completed)
            {
                return outcome;
            }

            prefixLength = 0;
        }

        if (prefixLength > 0)
        {
            return await transport.SendAsync(buffer.AsMemory(0, prefixLength), more: true, tally).ConfigureAwait(false);
        }

        return TransferOutcome.Completed;
    }

    // Reads up to count bytes at offset into buffer[at..]: the cached part inline, the rest (if
    // any) on the disk engine. EndOfFile when not a byte is left at offset.
    private ValueTask<IoResult> ReadAsync(FileBody body, byte[] buffer, int at, int count, long offset, TransferTally tally, CancellationToken cancel)
    {
        ulong device = body.Source.Metadata.Device;
        long hit = 0;
        if (!_capabilities.IsRefused(device, FilesystemCapability.Nowait))
        {
            IoResult read = FilePal.PreadNoWait(body.File, buffer.AsSpan(at, count), offset);
            tally.Count(SyscallKind.Preadv2);
            switch (read.Status)
            {
                case IoStatus.Done when read.Bytes == count:
                    return ValueTask.FromResult(read);
                case IoStatus.Done:
                    hit = read.Bytes;
                    break;
                case IoStatus.NotCached:
                    break;
                case IoStatus.NotSupported:
                    _capabilities.Refuse(device, FilesystemCapability.Nowait, $"errno {read.Errno}", "its reads go to the disk engine");
                    break;
                default:
                    return ValueTask.FromResult(read);
            }
        }

        return ReadMissAsync(body, buffer, at, count, offset, hit, tally, cancel);
    }

    // The miss is read into a buffer of its own, owned by the read: when the connection is cancelled
    // (shutdown, send deadline, minimum rate) while a slow disk still works on it, the transfer ends
    // at once and the read's completion returns that buffer — the kernel (or a disk thread) may
    // write into it until then, so it can never go back to the pool earlier, and the transfer's own
    // buffer is never written behind its back. The cost is one copy of what missed, next to a disk read.
    private async ValueTask<IoResult> ReadMissAsync(FileBody body, byte[] buffer, int at, int count, long offset, long hit, TransferTally tally, CancellationToken cancel)
    {
        int rest = count - (int)hit;
        tally.EngineRequests++;
        byte[] owned = ArrayPool<byte>.Shared.Rent(rest);
        Task<DiskReadResult> read = _disk.ReadAsync(DiskReadKind.Buffered, body.File, owned.AsMemory(0, rest), rest, offset + hit);
        DiskReadResult missed;
        try
        {
            missed = await read.WaitAsync(cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            tally.Count(SyscallKind.Pread);
            _ = read.ContinueWith(static (_, b) => ArrayPool<byte>.Shared.Return((byte[])b!), owned, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return new IoResult(IoStatus.Cancelled, 0);
        }

        try
        {
            tally.Count(SyscallKind.Pread, missed.Calls);
            if (missed.Result.Status != IoStatus.Done)
            {
                return hit > 0 ? IoResult.Moved(hit) : missed.Result;
            }

            owned.AsSpan(0, (int)missed.Result.Bytes).CopyTo(buffer.AsSpan(at + (int)hit));
            long total = hit + missed.Result.Bytes;
            return total == 0 ? new IoResult(IoStatus.EndOfFile, 0) : IoResult.Moved(total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(owned);
        }
    }
}
