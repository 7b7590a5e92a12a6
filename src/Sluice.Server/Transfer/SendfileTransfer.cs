using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Logging;

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
public sealed class SendfileTransfer : ITransferMechanism
{
    private const long YieldBytes = 8L * 1024 * 1024;
    private readonly long _chunkBytes;
    private readonly BufferedTransfer _fallback;
    private readonly IDiskEngine _disk;
    private readonly IServerLog _log;
    private readonly FilesystemCapabilities _capabilities;

    public SendfileTransfer(int chunkBytes, BufferedTransfer fallback, IDiskEngine disk, IServerLog log, FilesystemCapabilities capabilities)
    {
        _capabilities = capabilities;
        _chunkBytes = chunkBytes;
        _fallback = fallback;
        _disk = disk;
        _log = log;
    }

    public TransferStrategy Strategy => TransferStrategy.Sendfile;

    public ValueTask<TransferOutcome> SendAsync(SocketWriter writer, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        if (_capabilities.IsRefused(body.Source.Metadata.Device, FilesystemCapability.Sendfile))
        {
            tally.SwitchTo(TransferStrategy.Buffered, TransferFallback.KernelRefused);
            return _fallback.SendAsync(writer, head, body, tally);
        }

        return body.Prefetch ? PrefetchThenSendAsync(writer, head, body, tally) : SendBodyAsync(writer, head, body, tally);
    }

    // A cold range: the disk engine makes it resident first (nginx offloads sendfile to its aio
    // threads for the same reason), so the sendfile calls that follow do not wait on the disk.
    private async ValueTask<TransferOutcome> PrefetchThenSendAsync(SocketWriter writer, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        long first = body.Segments[0].Offset;
        long end = body.Segments[^1].Offset + body.Segments[^1].Length;
        DiskReadResult populated = await _disk.PopulateAsync(body.File, first, end - first).ConfigureAwait(false);
        tally.Count(SyscallKind.Populate, populated.Calls);
        return await SendBodyAsync(writer, head, body, tally).ConfigureAwait(false);
    }

    private ValueTask<TransferOutcome> SendBodyAsync(SocketWriter writer, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally) =>
        SegmentWalker.SendAsync(
            writer, head, body, tally, (Self: this, Writer: writer, Body: body, Tally: tally),
            static (s, segment, _) => s.Self.SendSegmentAsync(s.Writer, s.Body, segment, s.Tally));

    private async ValueTask<TransferOutcome> SendSegmentAsync(SocketWriter writer, FileBody body, FileSegment segment, TransferTally tally)
    {
        long offset = segment.Offset;
        long end = segment.Offset + segment.Length;
        long sinceYield = 0;
        while (offset < end)
        {
            // A reader fast enough never to cause EAGAIN would otherwise keep this thread (an
            // event thread, when resumed from a writability wait) for the whole file: hand it
            // back every YieldBytes so other connections on it get their turn.
            if (sinceYield >= YieldBytes)
            {
                sinceYield = 0;
                await Task.Yield();
            }

            long count = Math.Min(_chunkBytes, end - offset);
            long before = offset;
            IoResult result = writer.TrySendfile(body.File, ref offset, count);
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
                    TransferOutcome waited = await writer.WaitWritableAsync().ConfigureAwait(false);
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
                        return await _fallback.SendRangeAsync(writer, body.File, offset, end - offset, tally).ConfigureAwait(false);
                    }

                    return TransferOutcome.Failed;
            }
        }

        return TransferOutcome.Completed;
    }

    // EINVAL 22, ENOSYS 38, EOPNOTSUPP 95.
    private static bool IsUnsupported(int errno) => errno is 22 or 38 or 95;
}
