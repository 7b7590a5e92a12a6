using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Logging;
using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Transfer;

// The shared engine of the cache-bypassing strategies: several reads in flight on the disk pool
// while earlier chunks are sent, so disk and network overlap.
//
// For a segment [start, end) it reads the aligned superset [alignDown(start), alignUp(end)) in
// buffer-sized chunks and sends only the requested slice of each, so any range works with
// O_DIRECT. Up to ReadsInFlight reads are queued ahead of the chunk being sent. A read that comes
// back short of the expected end means the file shrank: the transfer is aborted, never padded.
// A buffer goes back to the pool only once its read has completed; a transfer that ends (client
// gone, deadline, shutdown) does not wait for its reads in flight: their completions return them.
// When the kernel refuses the path (EINVAL/EOPNOTSUPP), the rest of the body goes by the buffered
// loop, and the refusal is recorded for the file's filesystem (FilesystemCapabilities): logged
// once, and later bodies on that filesystem go straight to the buffered loop without issuing the
// refused call again. Until the filesystem has answered once, a transfer probes with a single read
// before it queues ReadsInFlight, so a refusing filesystem costs one refused call, not one per
// read in flight. The bytes the fallback moves are accounted to buffered (TransferTally.SwitchTo).
//
// Progress never depends on another connection's buffers. The aligned buffers come from a
// process-wide budget, and a client that stops reading keeps its buffers until its send deadline;
// with the budget exhausted by such clients (13 of them, at 5 × 1 MiB each, fill 64 MiB), a
// transfer that waited for a buffer would wait as long as they stall. So a transfer takes extra
// buffers only when they are free, waits for a first one at most BudgetWait (cancelled with its
// connection), and otherwise sends the rest of the segment through a heap buffer of the buffered
// loop's size, read on the disk threads with RWF_DONTCACHE: slower (one read at a time, one more
// copy), but it needs nothing from the budget, still keeps the cold file out of the page cache,
// and costs a connection no more memory than the buffered strategy. It is labelled
// reason=buffer-budget in the access log and in sluice_fallbacks_total.
// The other way out — a stalled transfer giving its read-ahead back while it waits on the socket —
// would only raise the number of stalled clients needed (one buffer each instead of five), never
// remove the dependency, and would throw away reads a briefly full socket still needs; the send
// deadline and the minimum send rate are what free the buffers of stalled clients.
public abstract class ReadAheadTransfer : ITransferMechanism
{
    private readonly IDiskEngine _disk;
    private readonly AlignedBufferPool _buffers;
    private readonly int _readsInFlight;
    private readonly BufferedTransfer _fallback;
    private readonly IServerLog _log;
    private readonly FilesystemCapabilities _capabilities;
    private int _fallbackLogged;
    private int _budgetFallbackLogged;

    // Long enough for a buffer returned by a transfer that is moving to reach a waiter (fair share
    // among healthy transfers), short enough not to be felt when stalled clients hold them all.
    private static readonly TimeSpan BudgetWait = TimeSpan.FromMilliseconds(50);

    protected ReadAheadTransfer(
        IDiskEngine disk, AlignedBufferPool buffers, int readsInFlight, BufferedTransfer fallback, IServerLog log, FilesystemCapabilities capabilities, bool forceFallback)
    {
        _capabilities = capabilities;
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

    // The filesystem capability this strategy's reads depend on.
    protected abstract FilesystemCapability Capability { get; }

    public async ValueTask<TransferOutcome> SendAsync(ConnectionTransport transport, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        ulong device = body.Source.Metadata.Device;
        if (_capabilities.IsRefused(device, Capability))
        {
            // Learned on an earlier body: the refused call is not issued again.
            tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
            return await _fallback.SendAsync(transport, head, body, tally).ConfigureAwait(false);
        }

        FileOpenStatus prepared = Prepare(body, tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment);
        if (prepared != FileOpenStatus.Opened)
        {
            if (prepared == FileOpenStatus.NotSupported)
            {
                RefuseCapability(device, "open answered EINVAL");
            }
            else
            {
                NoteFallback($"cannot reopen the file ({prepared})");
            }

            tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
            return await _fallback.SendAsync(transport, head, body, tally).ConfigureAwait(false);
        }

        try
        {
            return await SegmentWalker.SendAsync(
                transport, head, body, tally, (Self: this, Transport: transport, Body: body, Handle: readHandle, Alignment: alignment, Tally: tally),
                static (s, segment, moreAfter) => s.Self.SendSegmentAsync(s.Transport, s.Body, s.Handle, s.Alignment, segment, moreAfter, s.Tally)).ConfigureAwait(false);
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
        ConnectionTransport transport, FileBody body, SafeFileHandle readHandle, int alignment, FileSegment segment, bool moreAfter, TransferTally tally)
    {
        ulong device = body.Source.Metadata.Device;
        long end = segment.Offset + segment.Length;
        long fallbackFrom = segment.Offset;
        TransferFallback why = TransferFallback.KernelRefused;
        if (!_capabilities.IsRefused(device, Capability))
        {
            TransferOutcome outcome;
            (outcome, fallbackFrom, why) = await PumpAsync(transport, readHandle, alignment, device, segment, moreAfter, tally).ConfigureAwait(false);
            if (fallbackFrom < 0)
            {
                return outcome;
            }
        }

        if (why == TransferFallback.BufferBudget)
        {
            if (Interlocked.Exchange(ref _budgetFallbackLogged, 1) == 0)
            {
                _log.Warn($"{Name}: read-buffer budget exhausted ({_buffers.InUse}/{_buffers.MaxBuffers} buffers in use); such bodies go by heap-buffer reads (reason=buffer-budget; logged once)");
            }

            return await SendWithoutBudgetAsync(transport, body.File, device, fallbackFrom, end - fallbackFrom, moreAfter, tally).ConfigureAwait(false);
        }

        RefuseCapability(device, "a read answered EINVAL/EOPNOTSUPP");
        tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
        return await _fallback.SendRangeAsync(transport, body, fallbackFrom, end - fallbackFrom, tally).ConfigureAwait(false);
    }

    // The budget-free path: [offset, offset+length) of the file (the ordinary descriptor, never the
    // O_DIRECT one: a heap buffer is not aligned), one read at a time on the disk threads into a
    // pooled heap buffer, each chunk sent before the next is read. Its reads are dontcache reads
    // (buffered ones where the filesystem refuses RWF_DONTCACHE), and so are its bytes accounted.
    private async ValueTask<TransferOutcome> SendWithoutBudgetAsync(ConnectionTransport transport, SafeFileHandle file, ulong device, long offset, long length, bool moreAfter, TransferTally tally)
    {
        long end = offset + length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_fallback.ChunkBytes);
        DiskReadKind kind = _capabilities.IsRefused(device, FilesystemCapability.Dontcache) ? DiskReadKind.Buffered : DiskReadKind.Dontcache;
        tally.SwitchTo(kind == DiskReadKind.Dontcache ? TransferStrategy.Dontcache : TransferStrategy.Buffered, TransferFallback.BufferBudget);
        try
        {
            while (offset < end)
            {
                int count = (int)Math.Min(_fallback.ChunkBytes, end - offset);
                tally.EngineRequests++;
                DiskReadResult done = await _disk.ReadAsync(kind, file, buffer, count, offset).ConfigureAwait(false);
                tally.Count(kind == DiskReadKind.Dontcache ? SyscallKind.Preadv2 : SyscallKind.Pread, done.Calls);
                if (done.Result.Status == IoStatus.NotSupported && kind == DiskReadKind.Dontcache)
                {
                    _capabilities.Refuse(device, FilesystemCapability.Dontcache, "preadv2 answered EOPNOTSUPP", "reads without a read buffer go by plain pread on it");
                    kind = DiskReadKind.Buffered;
                    tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
                    continue;
                }

                if (kind == DiskReadKind.Dontcache && done.Result.Status == IoStatus.Done)
                {
                    _capabilities.Accept(device, FilesystemCapability.Dontcache);
                }

                if (done.Result.Status != IoStatus.Done)
                {
                    NoteDiskError(done);
                    return TransferOutcome.Failed;
                }

                tally.BytesRead += done.Result.Bytes;
                if (done.Result.Bytes < count)
                {
                    return TransferOutcome.Truncated;
                }

                offset += count;
                TransferOutcome sent = await transport.SendAsync(buffer.AsMemory(0, count), more: offset < end || moreAfter, tally).ConfigureAwait(false);
                if (sent != TransferOutcome.Completed)
                {
                    return sent;
                }
            }

            return TransferOutcome.Completed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A chunk whose pages are all cached is read here, inline, with RWF_NOWAIT: the threading rule
    // sends only misses to the disk engine, and a hit queued behind a slow disk's reads would wait
    // as long as they do. Only for reads through the page cache (dontcache; an O_DIRECT read never
    // comes from the cache) and only once the filesystem has accepted the strategy's flag. A
    // partial answer (some pages missing) is discarded and the whole chunk goes to the engine.
    private Task<DiskReadResult>? TryReadCached(SafeFileHandle file, ulong device, AlignedBuffer buffer, int count, long offset, bool probing, TransferTally tally)
    {
        if (Kind != DiskReadKind.Dontcache || probing || ForceFallback || _capabilities.IsRefused(device, FilesystemCapability.Nowait))
        {
            return null;
        }

        IoResult read = FilePal.PreadNoWait(file, buffer.Memory.Span[..count], offset, dontcache: true);
        if (read.Status == IoStatus.Done && read.Bytes == count)
        {
            // Counted as the strategy's read when the transfer takes it (CountReads).
            return Task.FromResult(new DiskReadResult(read, 1));
        }

        tally.Count(SyscallKind.Preadv2);
        if (read.Status == IoStatus.NotSupported)
        {
            _capabilities.Refuse(device, FilesystemCapability.Nowait, $"errno {read.Errno}", "its reads go to the disk engine");
        }

        return null;
    }

    // The descriptor to read from and the alignment reads must respect.
    protected abstract FileOpenStatus Prepare(FileBody body, TransferTally tally, out SafeFileHandle readHandle, out bool ownsHandle, out int alignment);

    protected abstract void CountReads(TransferTally tally, int calls);

    // moreAfter: bytes follow this segment (another part, the closing boundary), so its last
    // chunk may still go with MSG_MORE; otherwise the last chunk must push, or the kernel would
    // hold a sub-MSS tail until a timer fires. FallbackFrom >= 0: the bytes from there on were not
    // sent, for the reason Why.
    private async ValueTask<(TransferOutcome Outcome, long FallbackFrom, TransferFallback Why)> PumpAsync(
        ConnectionTransport transport, SafeFileHandle file, int alignment, ulong device, FileSegment segment, bool moreAfter, TransferTally tally)
    {
        // One read alone until the filesystem has answered (see the design note).
        bool probing = !_capabilities.IsAccepted(device, Capability);
        long start = segment.Offset;
        long end = segment.Offset + segment.Length;
        long alignedEnd = end + ((alignment - (end % alignment)) % alignment);
        long next = start - (start % alignment);
        int chunk = _buffers.BufferBytes;
        var inFlight = new Queue<(Task<DiskReadResult> Read, AlignedBuffer Buffer, long Position, int Count)>(_readsInFlight + 1);

        void Issue(AlignedBuffer buffer)
        {
            int count = (int)Math.Min(chunk, alignedEnd - next);
            if (TryReadCached(file, device, buffer, count, next, probing, tally) is Task<DiskReadResult> cached)
            {
                inFlight.Enqueue((cached, buffer, next, count));
                next += count;
                return;
            }

            tally.EngineRequests++;
            inFlight.Enqueue((_disk.ReadAsync(Kind, file, buffer, count, next, alignment, ForceFallback), buffer, next, count));
            next += count;
        }

        void TopUp()
        {
            while (inFlight.Count < (probing ? 1 : _readsInFlight) && next < alignedEnd && _buffers.TryRent(out AlignedBuffer? buffer))
            {
                Issue(buffer);
            }
        }

        // With nothing in flight and bytes left, the transfer holds no buffer: it waits for one
        // at most BudgetWait (see the design note), then reports where the budget-free path must
        // take over. Everything before `next` has been sent by then. Cancellation (the connection
        // timed out or the server aborts) ends the transfer.
        async ValueTask<(bool Reading, TransferOutcome Outcome)> EnsureReadingAsync()
        {
            TopUp();
            if (inFlight.Count > 0 || next >= alignedEnd)
            {
                return (true, TransferOutcome.Completed);
            }

            AlignedBuffer? first;
            try
            {
                first = await _buffers.RentAsync(BudgetWait, transport.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (false, TransferOutcome.TimedOut);
            }

            if (first is null)
            {
                return (false, TransferOutcome.Completed);
            }

            Issue(first);
            return (true, TransferOutcome.Completed);
        }

        try
        {
            (bool reading, TransferOutcome waited) = await EnsureReadingAsync().ConfigureAwait(false);
            while (true)
            {
                if (!reading)
                {
                    return waited == TransferOutcome.Completed
                        ? (TransferOutcome.Completed, Math.Max(start, next), TransferFallback.BufferBudget)
                        : (waited, -1, TransferFallback.None);
                }

                if (inFlight.Count == 0)
                {
                    return (TransferOutcome.Completed, -1, TransferFallback.None);
                }

                (Task<DiskReadResult> read, AlignedBuffer buffer, long position, int count) = inFlight.Dequeue();
                bool handedOff = false;
                try
                {
                    if (!read.IsCompleted && !await CompletedOrCancelledAsync(read, transport.Token).ConfigureAwait(false))
                    {
                        // Cancelled (shutdown, send deadline): the read still writes into buffer.
                        handedOff = true;
                        ReturnWhenRead(read, buffer);
                        return (TransferOutcome.TimedOut, -1, TransferFallback.None);
                    }

                    DiskReadResult done = await read.ConfigureAwait(false);
                    CountReads(tally, done.Calls);
                    IoResult result = done.Result;
                    if (result.Status == IoStatus.NotSupported)
                    {
                        return (TransferOutcome.Completed, Math.Max(start, position), TransferFallback.KernelRefused);
                    }

                    if (result.Status != IoStatus.Done)
                    {
                        NoteDiskError(done);
                        return (TransferOutcome.Failed, -1, TransferFallback.None);
                    }

                    if (probing)
                    {
                        _capabilities.Accept(device, Capability);
                        probing = false;
                    }

                    tally.BytesRead += result.Bytes;
                    long wantedEnd = Math.Min(end, position + count);
                    if (position + result.Bytes < wantedEnd)
                    {
                        // The file ended before the range did: it shrank under us.
                        return (TransferOutcome.Truncated, -1, TransferFallback.None);
                    }

                    // Queue the next read before sending, so the disk works while the socket drains.
                    TopUp();

                    int from = (int)(Math.Max(start, position) - position);
                    int to = (int)(wantedEnd - position);
                    bool last = wantedEnd == end;
                    TransferOutcome sent = await transport.SendAsync(buffer.Memory[from..to], more: !last || moreAfter, tally).ConfigureAwait(false);
                    if (sent != TransferOutcome.Completed)
                    {
                        return (sent, -1, TransferFallback.None);
                    }
                }
                finally
                {
                    if (!handedOff)
                    {
                        _buffers.Return(buffer);
                    }
                }

                (reading, waited) = await EnsureReadingAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // Reads still in flight write into pooled buffers: a buffer goes back to the pool
            // only once its read has completed. The transfer does not wait for them: on a slow
            // disk the reads queued ahead (this transfer's and every other's) can take minutes,
            // and a connection that ended (client gone, deadline, shutdown) must end now.
            while (inFlight.Count > 0)
            {
                (Task<DiskReadResult> read, AlignedBuffer buffer, _, _) = inFlight.Dequeue();
                if (read.IsCompleted)
                {
                    CountReads(tally, read.Result.Calls);
                    _buffers.Return(buffer);
                }
                else
                {
                    ReturnWhenRead(read, buffer);
                }
            }
        }
    }

    // True when the read completed, false when token was cancelled first; never throws.
    private static async ValueTask<bool> CompletedOrCancelledAsync(Task<DiskReadResult> read, CancellationToken token)
    {
        try
        {
            await read.WaitAsync(token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return read.IsCompleted;
        }
    }

    // The kernel (or a disk thread) may still write into buffer: it is returned by the read's
    // completion, never before. Disk reads end on their own (they are never cancelled).
    private void ReturnWhenRead(Task<DiskReadResult> read, AlignedBuffer buffer) =>
        read.ContinueWith(
            static (_, state) =>
            {
                (AlignedBufferPool pool, AlignedBuffer buffer) = ((AlignedBufferPool, AlignedBuffer))state!;
                pool.Return(buffer);
            },
            (_buffers, buffer),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    // A read that failed because of an exception on the disk thread: say so (the connection is
    // then aborted); an errno is an ordinary outcome and is not logged.
    private void NoteDiskError(DiskReadResult done)
    {
        if (done.Error is Exception ex)
        {
            _log.Warn($"{Name}: disk read failed with {ex.GetType().Name}: {ex.Message}; connection aborted");
        }
    }

    private string Name => Strategy.ToString().ToLowerInvariant();

    private void RefuseCapability(ulong device, string detail) =>
        _capabilities.Refuse(device, Capability, detail, $"{Name} bodies on it are falling back to buffered reads");

    private void NoteFallback(string why)
    {
        if (Interlocked.Exchange(ref _fallbackLogged, 1) == 0)
        {
            _log.Warn($"{Name}: {why}; falling back to buffered reads (logged once)");
        }
    }
}
