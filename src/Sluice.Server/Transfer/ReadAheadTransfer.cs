using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Logging;

namespace Sluice.Server.Transfer;

// The shared engine of the cache-bypassing strategies: several reads in flight on the disk pool
// while earlier chunks are sent, so disk and network overlap.
//
// For a segment [start, end) it reads the aligned superset [alignDown(start), alignUp(end)) in
// buffer-sized chunks and sends only the requested slice of each, so any range works with
// O_DIRECT. Up to ReadsInFlight reads are queued ahead of the chunk being sent. A read that comes
// back short of the expected end means the file shrank: the transfer is aborted, never padded.
// Every exit path waits for the reads still in flight before their buffers go back to the pool.
// When the kernel refuses the path (EINVAL/EOPNOTSUPP before any byte moved), the rest of the
// body goes by the buffered loop, and the fallback is logged once per strategy.
public abstract class ReadAheadTransfer : ITransferMechanism
{
    private readonly DiskReadPool _disk;
    private readonly AlignedBufferPool _buffers;
    private readonly int _readsInFlight;
    private readonly BufferedTransfer _fallback;
    private readonly IServerLog _log;
    private int _fallbackLogged;

    protected ReadAheadTransfer(DiskReadPool disk, AlignedBufferPool buffers, int readsInFlight, BufferedTransfer fallback, IServerLog log, bool forceFallback)
    {
        _disk = disk;
        _buffers = buffers;
        _readsInFlight = readsInFlight;
        _fallback = fallback;
        _log = log;
        ForceFallback = forceFallback;
    }

    public abstract TransferStrategy Strategy { get; }

    protected bool ForceFallback { get; }

    protected abstract DiskReadKind Kind { get; }

    public async ValueTask<TransferOutcome> SendAsync(SocketWriter writer, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        FileOpenStatus prepared = Prepare(body, tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment);
        if (prepared != FileOpenStatus.Opened)
        {
            NoteFallback(prepared == FileOpenStatus.NotSupported ? "the filesystem refused O_DIRECT (EINVAL)" : $"cannot reopen the file ({prepared})");
            return await _fallback.SendAsync(writer, head, body, tally).ConfigureAwait(false);
        }

        try
        {
            return await SegmentWalker.SendAsync(
                writer, head, body, tally, (Self: this, Writer: writer, Body: body, Handle: readHandle, Alignment: alignment, Tally: tally),
                static (s, segment, moreAfter) => s.Self.SendSegmentAsync(s.Writer, s.Body, s.Handle, s.Alignment, segment, moreAfter, s.Tally)).ConfigureAwait(false);
        }
        finally
        {
            if (ownsHandle)
            {
                readHandle.Dispose();
            }
        }
    }

    private async ValueTask<TransferOutcome> SendSegmentAsync(
        SocketWriter writer, FileBody body, SafeFileHandle readHandle, int alignment, FileSegment segment, bool moreAfter, TransferTally tally)
    {
        (TransferOutcome outcome, long fallbackFrom) = await PumpAsync(writer, readHandle, alignment, segment, moreAfter, tally).ConfigureAwait(false);
        if (fallbackFrom < 0)
        {
            return outcome;
        }

        NoteFallback("the kernel refused the read (EINVAL/EOPNOTSUPP)");
        return await _fallback.SendRangeAsync(writer, body.File, fallbackFrom, segment.Offset + segment.Length - fallbackFrom, tally).ConfigureAwait(false);
    }

    // The descriptor to read from and the alignment reads must respect.
    protected abstract FileOpenStatus Prepare(FileBody body, TransferTally tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment);

    protected abstract void CountReads(TransferTally tally, int calls);

    // moreAfter: bytes follow this segment (another part, the closing boundary), so its last
    // chunk may still go with MSG_MORE; otherwise the last chunk must push, or the kernel would
    // hold a sub-MSS tail until a timer fires.
    private async ValueTask<(TransferOutcome Outcome, long FallbackFrom)> PumpAsync(
        SocketWriter writer, SafeFileHandle file, int alignment, FileSegment segment, bool moreAfter, TransferTally tally)
    {
        long start = segment.Offset;
        long end = segment.Offset + segment.Length;
        long alignedEnd = end + ((alignment - (end % alignment)) % alignment);
        long next = start - (start % alignment);
        int chunk = _buffers.BufferBytes;
        var inFlight = new Queue<(Task<DiskReadResult> Read, AlignedBuffer Buffer, long Position, int Count)>(_readsInFlight + 1);

        void Issue(AlignedBuffer buffer)
        {
            int count = (int)Math.Min(chunk, alignedEnd - next);
            inFlight.Enqueue((_disk.ReadAsync(Kind, file, buffer, count, next, alignment, ForceFallback), buffer, next, count));
            next += count;
        }

        // Buffers come from a process-wide budget. A transfer that already holds buffers only
        // takes more when they are free (TryRent), and waits for one only when it holds none,
        // so transfers can never deadlock on each other and a client that stops reading pins at
        // most ReadsInFlight + 1 buffers until its send timeout.
        async ValueTask TopUpAsync()
        {
            while (inFlight.Count < _readsInFlight && next < alignedEnd && _buffers.TryRent(out AlignedBuffer? buffer))
            {
                Issue(buffer);
            }

            if (inFlight.Count == 0 && next < alignedEnd)
            {
                Issue(await _buffers.RentAsync().ConfigureAwait(false));
            }
        }

        try
        {
            await TopUpAsync().ConfigureAwait(false);
            while (inFlight.Count > 0)
            {
                (Task<DiskReadResult> read, AlignedBuffer buffer, long position, int count) = inFlight.Dequeue();
                try
                {
                    DiskReadResult done = await read.ConfigureAwait(false);
                    CountReads(tally, done.Calls);
                    IoResult result = done.Result;
                    if (result.Status == IoStatus.NotSupported)
                    {
                        return (TransferOutcome.Completed, Math.Max(start, position));
                    }

                    if (result.Status != IoStatus.Done)
                    {
                        return (TransferOutcome.Failed, -1);
                    }

                    tally.BytesRead += result.Bytes;
                    long wantedEnd = Math.Min(end, position + count);
                    if (position + result.Bytes < wantedEnd)
                    {
                        // The file ended before the range did: it shrank under us.
                        return (TransferOutcome.Truncated, -1);
                    }

                    // Queue the next read before sending, so the disk works while the socket drains.
                    while (inFlight.Count < _readsInFlight && next < alignedEnd && _buffers.TryRent(out AlignedBuffer? extra))
                    {
                        Issue(extra);
                    }

                    int from = (int)(Math.Max(start, position) - position);
                    int to = (int)(wantedEnd - position);
                    bool last = wantedEnd == end;
                    TransferOutcome sent = await writer.SendAsync(buffer.Memory[from..to], more: !last || moreAfter, tally).ConfigureAwait(false);
                    if (sent != TransferOutcome.Completed)
                    {
                        return (sent, -1);
                    }
                }
                finally
                {
                    _buffers.Return(buffer);
                }

                await TopUpAsync().ConfigureAwait(false);
            }

            return (TransferOutcome.Completed, -1);
        }
        finally
        {
            // Reads still in flight write into pooled buffers: wait for them before recycling.
            while (inFlight.Count > 0)
            {
                (Task<DiskReadResult> read, AlignedBuffer buffer, _, _) = inFlight.Dequeue();
                DiskReadResult abandoned = await read.ConfigureAwait(false);
                CountReads(tally, abandoned.Calls);
                _buffers.Return(buffer);
            }
        }
    }

    private void NoteFallback(string why)
    {
        if (Interlocked.Exchange(ref _fallbackLogged, 1) == 0)
        {
            _log.Warn($"{Strategy.ToString().ToLowerInvariant()}: {why}; falling back to buffered reads (logged once)");
        }
    }
}
