using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Planning;
using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Transfer;

// Zero-copy: page cache → socket inside the kernel with sendfile(2).
//
// The head goes out with MSG_MORE so the kernel holds it and coalesces it with the first body
// bytes (the effect of TCP_CORK without two setsockopt calls per response). The body moves in
// bounded chunks (nginx's sendfile_max_chunk): one call never pins a thread for long.
// Kernel facts this relies on:
//  - sendfile may move fewer bytes than asked (socket buffer full): loop.
//  - EAGAIN on the non-blocking socket: wait for EPOLLOUT, then resume at the same offset.
//  - a return of 0 while bytes remain means the file was truncated: abort, never spin or pad.
//  - EINVAL/ENOSYS/EOPNOTSUPP before any byte moved: files of this filesystem cannot be spliced;
//    the body goes by the buffered loop, and so do later bodies on that filesystem without a
//    sendfile attempt (FilesystemCapabilities; logged once per filesystem).
//
// Threading: sendfile of a page that is not cached reads it from the disk on the calling thread,
// which serves sockets (an event thread, or a WritableWaiter shard after EAGAIN, where one cold
// read would stall every socket of the shard). So sendfile only ever sends ranges known to be
// resident: a body the planner found fully resident is sent with no further check (the hot path
// pays nothing); otherwise, before each window of ResidencyWindowBytes, one cachestat of the
// window, and if any page is missing the disk engine makes the window resident first (sendfile
// into /dev/null on a disk thread) and the transfer resumes on the thread pool. Pages evicted
// between that check and the sendfile are the one gap left (memory pressure within milliseconds).
public sealed class SendfileTransfer : ITransferMechanism
{
    private const long YieldBytes = 8L * 1024 * 1024;

    // One cachestat per window, and one populate request per window that is not fully cached. 8
    // MiB: measured per GiB, a fully resident file costs 0 extra calls (the plan's one cachestat
    // covers it), a 90 %-resident one (2 MiB evicted per 20 MiB) 128 cachestat + 52 populates;
    // a cold 8 MiB populate takes ~8 ms at 1 GB/s, so the first byte of a cold body waits that long.
    internal const long ResidencyWindowBytes = 8L * 1024 * 1024;

    private readonly long _chunkBytes;
    private readonly BufferedTransfer _fallback;
    private readonly IDiskEngine _disk;
    private readonly FilesystemCapabilities _capabilities;

    public SendfileTransfer(int chunkBytes, BufferedTransfer fallback, IDiskEngine disk, FilesystemCapabilities capabilities)
    {
        _capabilities = capabilities;
        _chunkBytes = chunkBytes;
        _fallback = fallback;
        _disk = disk;
    }

    public TransferStrategy Strategy => TransferStrategy.Sendfile;

    public ValueTask<TransferOutcome> SendAsync(ConnectionTransport transport, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        if (_capabilities.IsRefused(body.Source.Metadata.Device, FilesystemCapability.Sendfile))
        {
            tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
            return _fallback.SendAsync(transport, head, body, tally);
        }

        // The planner never picks sendfile for a transport that cannot carry it (a stream: TLS).
        SocketTransport socket = transport.Sendfile
            ?? throw new InvalidOperationException("sendfile was planned for a transport that cannot carry it");
        return SendBodyAsync(socket, head, body, tally);
    }

    // Bytes from offset on that are known resident: the checked window, or (when not resident)
    // the window after the engine made it so, and whether the engine had to. Never waits on the
    // disk on this thread. -1 when the connection was cancelled (shutdown, deadline) before the
    // engine was done: the transfer ends without waiting for a populate that, queued behind others
    // on a slow disk, can take minutes (nothing of the connection's is in use by it; the
    // descriptor is kept open by the call).
    private async ValueTask<(long End, bool Cold)> EnsureResidentAsync(SocketTransport socket, FileBody body, long offset, long end, TransferTally tally)
    {
        long window = Math.Min(ResidencyWindowBytes, end - offset);
        tally.Count(SyscallKind.Residency);
        if (PageCachePal.TryGetResidency(body.File, offset, window, out Residency residency) && residency.Fraction >= 1.0)
        {
            return (offset + window, false);
        }

        return (await AwaitPopulateAsync(socket, StartPopulate(body, offset, window, tally), offset + window, tally).ConfigureAwait(false), true);
    }

    private Task<DiskReadResult> StartPopulate(FileBody body, long offset, long length, TransferTally tally)
    {
        tally.EngineRequests++;
        return _disk.PopulateAsync(body.File, offset, length);
    }

    private static async ValueTask<long> AwaitPopulateAsync(SocketTransport socket, Task<DiskReadResult> populate, long end, TransferTally tally)
    {
        try
        {
            DiskReadResult populated = await populate.WaitAsync(socket.Token).ConfigureAwait(false);
            tally.Count(SyscallKind.Populate, populated.Calls);
            return end;
        }
        catch (OperationCanceledException)
        {
            tally.Count(SyscallKind.Populate);
            return -1;
        }
    }

    // The per-chunk loop works on the sealed SocketTransport: no virtual dispatch per sendfile.
    private ValueTask<TransferOutcome> SendBodyAsync(SocketTransport socket, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally) =>
        SegmentWalker.SendAsync(
            socket, head, body, tally, (Self: this, Socket: socket, Body: body, Tally: tally),
            static (s, segment, _) => s.Self.SendSegmentAsync(s.Socket, s.Body, segment, s.Tally));

    private async ValueTask<TransferOutcome> SendSegmentAsync(SocketTransport socket, FileBody body, FileSegment segment, TransferTally tally)
    {
        long offset = segment.Offset;
        long end = segment.Offset + segment.Length;
        long sinceYield = 0;
        long residentEnd = body.Residency == BodyResidency.Complete ? end : offset;
        // The next window, already being populated by the engine while this one is sent: after a
        // cold window the next is likely cold too, and populating one window at a time would leave
        // the disk idle while the socket drains and the socket idle while the disk reads.
        Task<DiskReadResult>? ahead = null;
        long aheadEnd = 0;
        while (offset < end)
        {
            if (offset >= residentEnd)
            {
                bool cold;
                if (ahead is not null)
                {
                    residentEnd = await AwaitPopulateAsync(socket, ahead, aheadEnd, tally).ConfigureAwait(false);
                    cold = true;
                    ahead = null;
                }
                else
                {
                    (residentEnd, cold) = await EnsureResidentAsync(socket, body, offset, end, tally).ConfigureAwait(false);
                }

                if (residentEnd < 0)
                {
                    return TransferOutcome.TimedOut;
                }

                if (cold && residentEnd < end)
                {
                    aheadEnd = Math.Min(residentEnd + ResidencyWindowBytes, end);
                    ahead = StartPopulate(body, residentEnd, aheadEnd - residentEnd, tally);
                }
            }

            // A reader fast enough never to cause EAGAIN would otherwise keep this thread (an
            // event thread, when resumed from a writability wait) for the whole file: hand it
            // back every YieldBytes so other connections on it get their turn.
            if (sinceYield >= YieldBytes)
            {
                sinceYield = 0;
                await Task.Yield();
            }

            long count = Math.Min(_chunkBytes, residentEnd - offset);
            long before = offset;
            IoResult result = socket.TrySendfile(body.File, ref offset, count);
            tally.Count(SyscallKind.Sendfile);
            switch (result.Status)
            {
                case IoStatus.Done:
                    tally.BytesSent += result.Bytes;
                    tally.BytesRead += result.Bytes;
                    sinceYield += result.Bytes;
                    break;
                case IoStatus.WouldBlock:
                    sinceYield = 0;
                    tally.Count(SyscallKind.EpollCtl);
                    TransferOutcome waited = await socket.WaitWritableAsync().ConfigureAwait(false);
                    if (waited != TransferOutcome.Completed)
                    {
                        return waited;
                    }

                    break;
                case IoStatus.EndOfFile:
                    return TransferOutcome.Truncated;
                case IoStatus.PeerGone:
                    return TransferOutcome.PeerGone;
                default:
                    if (before == segment.Offset && IsUnsupported(result.Errno))
                    {
                        _capabilities.Refuse(body.Source.Metadata.Device, FilesystemCapability.Sendfile, $"errno {result.Errno}", "sendfile bodies on it are falling back to buffered reads");
                        tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
                        return await _fallback.SendRangeAsync(socket, body, offset, end - offset, tally).ConfigureAwait(false);
                    }

                    return TransferOutcome.Failed;
            }
        }

        return TransferOutcome.Completed;
    }

    // EINVAL 22, ENOSYS 38, EOPNOTSUPP 95.
    private static bool IsUnsupported(int errno) => errno is 22 or 38 or 95;
}
