using System.Net.Sockets;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// The receive loop shared by the mechanisms that take body bytes through user space (Dontcache,
// Direct): recv into native aligned buffers on the connection's flow, write each full buffer on the
// disk engine. Two buffers alternate, so the socket fills one while the disk writes the other;
// the network and the disk overlap, and at most two buffers are held per upload.
//
// Design note (threading): a write through the page cache can wait on the disk (dirty-page
// throttling in balance_dirty_pages, RWF_DONTCACHE's writeback, every O_DIRECT write), so
// writes never run on the connection's flow: each chunk is one IDiskEngine.RunDataAsync call (a
// disk thread or the io_uring engine's helpers, on the data queue behind any open or statx),
// whose continuation comes back on the thread pool. One hand-off per 1 MiB chunk costs a few
// microseconds against milliseconds of I/O. The socket side never blocks: Socket.ReceiveAsync
// waits on epoll.
//
// Cut uploads: when the peer goes away or the wait is cancelled, the bytes already received are
// still written (tus keeps every byte that arrived), so ReceiveResult.Bytes is exactly the prefix
// of the body that is in the file.
public abstract class RecvWriteReceive : IReceiveMechanism
{
    // Above this, fallocate first: fewer extent updates and an early ENOSPC.
    private const long PreallocateAtLeast = 1024 * 1024;

    private readonly IDiskEngine _disk;
    private readonly AlignedBufferPool _buffers;

    protected RecvWriteReceive(IDiskEngine disk, AlignedBufferPool buffers, FilesystemCapabilities capabilities)
    {
        _disk = disk;
        _buffers = buffers;
        Capabilities = capabilities;
    }

    public abstract ReceiveStrategy Strategy { get; }

    protected FilesystemCapabilities Capabilities { get; }

    public async ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job)
    {
        if (job.Length == 0)
        {
            return new ReceiveResult(ReceiveOutcome.Completed, 0, Strategy);
        }

        ulong device = FilePal.TryGetMetadata(job.File, out FileMetadata metadata) ? metadata.Device : 0;
        ChunkWriter writer = CreateWriter(job, device);
        (AlignedBuffer Buffer, bool Pooled) first = default;
        (AlignedBuffer Buffer, bool Pooled) second = default;
        try
        {
            if (job.Length >= PreallocateAtLeast)
            {
                job.Tally.EngineRequests++;
                ReceiveIoResult reserved = await _disk.RunDataAsync(
                    static s => ReceivePal.Preallocate(s.File, s.FileOffset, s.Length), job).ConfigureAwait(false);
                if (reserved.Status is ReceiveIoStatus.NoSpace)
                {
                    return new ReceiveResult(ReceiveOutcome.NoSpace, 0, writer.Strategy);
                }
            }

            first = await RentAsync(ReceiveDeadlines.TokenOf(job)).ConfigureAwait(false);
            second = await RentAsync(ReceiveDeadlines.TokenOf(job)).ConfigureAwait(false);
            return await RunAsync(job, writer, first.Buffer, second.Buffer).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled while waiting for a buffer: nothing was written.
            return new ReceiveResult(ReceiveOutcome.TimedOut, 0, writer.Strategy);
        }
        finally
        {
            Return(first);
            Return(second);
            writer.Dispose();
        }
    }

    private protected abstract ChunkWriter CreateWriter(ReceiveJob job, ulong device);

    private async ValueTask<ReceiveResult> RunAsync(ReceiveJob job, ChunkWriter writer, AlignedBuffer first, AlignedBuffer second)
    {
        AlignedBuffer buffer = first;
        ReadOnlyMemory<byte> buffered = job.Buffered;
        long offset = job.FileOffset;
        long toReceive = job.Length;  // body bytes not yet in a buffer
        long written = 0;
        Task<ReceiveIoResult>? pending = null;
        int pendingCount = 0;
        ReceiveOutcome ended = ReceiveOutcome.Completed;
        CancellationToken token = ReceiveDeadlines.TokenOf(job);
        while (toReceive > 0 && ended == ReceiveOutcome.Completed)
        {
            int chunk = writer.NextChunk(offset, toReceive, buffer.Length);
            int filled = 0;
            if (!buffered.IsEmpty)
            {
                int take = Math.Min(chunk, buffered.Length);
                buffered[..take].Span.CopyTo(buffer.GetSpan());
                buffered = buffered[take..];
                filled = take;
            }

            while (filled < chunk)
            {
                int n = 0;
                // Every wait for the client runs under the body deadline (timeout, minimum rate);
                // the disk writes between waits are not charged to it.
                job.Deadline?.BeginWait();
                try
                {
                    job.Tally.ReceiveCalls++;
                    n = await job.Transport.ReceiveAsync(buffer.Memory[filled..chunk], token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    ended = ReceiveOutcome.TimedOut;
                    break;
                }
                catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
                {
                    ended = ReceiveOutcome.PeerGone;
                    break;
                }
                finally
                {
                    job.Deadline?.EndWait(n);
                }

                if (n == 0)
                {
                    ended = ReceiveOutcome.PeerGone;
                    break;
                }

                filled += n;
            }

            toReceive -= filled;

            // One write in flight: wait for the previous chunk before handing over this one.
            if (pending is not null)
            {
                ReceiveIoResult done = await pending.ConfigureAwait(false);
                written += done.Bytes;
                pending = null;
                if (done.Status != ReceiveIoStatus.Done || done.Bytes != pendingCount)
                {
                    return Finish(job, writer, ReceiveOutcomes.FromWrite(done.Status == ReceiveIoStatus.Done ? ReceiveIoStatus.Failed : done.Status), written);
                }
            }

            if (filled > 0)
            {
                job.Tally.EngineRequests++;
                pendingCount = filled;
                pending = _disk.RunDataAsync(static s => s.Writer.Write(s.Buffer, s.Count, s.Offset), (Writer: writer, Buffer: buffer, Count: filled, Offset: offset));
                offset += filled;
                buffer = buffer == first ? second : first;
            }
        }

        if (pending is not null)
        {
            ReceiveIoResult done = await pending.ConfigureAwait(false);
            written += done.Bytes;
            if (done.Status != ReceiveIoStatus.Done || done.Bytes != pendingCount)
            {
                return Finish(job, writer, ReceiveOutcomes.FromWrite(done.Status == ReceiveIoStatus.Done ? ReceiveIoStatus.Failed : done.Status), written);
            }
        }

        return Finish(job, writer, ended, written);
    }

    private static ReceiveResult Finish(ReceiveJob job, ChunkWriter writer, ReceiveOutcome outcome, long written)
    {
        job.Tally.BytesWritten += written;
        job.Tally.WriteCalls += writer.WriteCalls;
        return new ReceiveResult(outcome, written, writer.Strategy);
    }

    // A buffer from the shared budget; with the budget exhausted (other uploads and downloads hold
    // them), a bounded wait, and then a private one: an upload is never refused for want of a
    // buffer, and private buffers are bounded by the connection limit (two per upload).
    private async ValueTask<(AlignedBuffer, bool)> RentAsync(CancellationToken token)
    {
        if (_buffers.TryRent(out AlignedBuffer? rented))
        {
            return (rented, true);
        }

        rented = await _buffers.RentAsync(TimeSpan.FromMilliseconds(50), token).ConfigureAwait(false);
        return rented is not null ? (rented, true) : (new AlignedBuffer(_buffers.BufferBytes, _buffers.Alignment), false);
    }

    private void Return((AlignedBuffer Buffer, bool Pooled) held)
    {
        if (held.Buffer is null)
        {
            return;
        }

        if (held.Pooled)
        {
            _buffers.Return(held.Buffer);
        }
        else
        {
            ((IDisposable)held.Buffer).Dispose();
        }
    }
}
