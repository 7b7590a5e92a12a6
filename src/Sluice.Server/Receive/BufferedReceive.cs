using System.Buffers;
using System.Net.Sockets;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// recv into a pooled buffer, then pwrite: the baseline receive mechanism and every other one's
// fallback. The buffer is filled from the socket (several recvs when the client is slower than
// the loop) before one pwrite, so the disk engine sees few large writes.
//
// Threading: the recvs run on the connection's thread (non-blocking, awaited); every pwrite runs
// on the disk engine (IDiskEngine.RunDataAsync, behind any open or statx), because a write into the page cache can block on
// dirty-page throttling (balance_dirty_pages) or a journal commit for as long as the disk takes —
// the threading rule's case exactly. One hop per chunk (256 KiB by default) keeps that cheap.
// Receiving the next chunk while the previous one is written (two buffers) would overlap network
// and disk; not done yet.
public sealed class BufferedReceive(IDiskEngine disk, int chunkBytes = BufferedReceive.DefaultChunkBytes) : IReceiveMechanism
{
    public const int DefaultChunkBytes = 256 * 1024;

    public ReceiveStrategy Strategy => ReceiveStrategy.Buffered;

    public async ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job)
    {
        long written = 0;
        if (!job.Buffered.IsEmpty)
        {
            int first = (int)Math.Min(job.Buffered.Length, job.Length);
            ReceiveOutcome outcome = await WriteAsync(job, job.Buffered[..first], job.FileOffset).ConfigureAwait(false);
            if (outcome != ReceiveOutcome.Completed)
            {
                return new ReceiveResult(outcome, 0, Strategy);
            }

            written = first;
        }

        if (written == job.Length)
        {
            return new ReceiveResult(ReceiveOutcome.Completed, written, Strategy);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunkBytes, job.Length - written));
        try
        {
            CancellationToken token = ReceiveDeadlines.TokenOf(job);
            while (written < job.Length)
            {
                int want = (int)Math.Min(buffer.Length, job.Length - written);
                int filled = 0;
                while (filled < want)
                {
                    int n = 0;
                    job.Deadline?.BeginWait();
                    try
                    {
                        n = await job.Transport.ReceiveAsync(buffer.AsMemory(filled, want - filled), token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return await EndEarlyAsync(job, buffer.AsMemory(0, filled), written, ReceiveOutcome.TimedOut).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
                    {
                        return await EndEarlyAsync(job, buffer.AsMemory(0, filled), written, ReceiveOutcome.PeerGone).ConfigureAwait(false);
                    }
                    finally
                    {
                        job.Deadline?.EndWait(n);
                    }

                    job.Tally.ReceiveCalls++;
                    if (n == 0)
                    {
                        return await EndEarlyAsync(job, buffer.AsMemory(0, filled), written, ReceiveOutcome.PeerGone).ConfigureAwait(false);
                    }

                    filled += n;
                }

                ReceiveOutcome outcome = await WriteAsync(job, buffer.AsMemory(0, filled), job.FileOffset + written).ConfigureAwait(false);
                if (outcome != ReceiveOutcome.Completed)
                {
                    return new ReceiveResult(outcome, written, Strategy);
                }

                written += filled;
            }

            return new ReceiveResult(ReceiveOutcome.Completed, written, Strategy);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The body ended early (client gone, stalled): the bytes already received into the buffer are
    // written too, so Bytes counts every byte that arrived. A resumable upload (tus PATCH) keeps
    // them and reports them as its offset; dropping them made a client cut mid-chunk resend up to a
    // whole chunk (256 KiB) it had already delivered. A PUT discards its unnamed file anyway.
    private async ValueTask<ReceiveResult> EndEarlyAsync(ReceiveJob job, ReadOnlyMemory<byte> received, long written, ReceiveOutcome outcome)
    {
        if (!received.IsEmpty && await WriteAsync(job, received, job.FileOffset + written).ConfigureAwait(false) == ReceiveOutcome.Completed)
        {
            written += received.Length;
        }

        return new ReceiveResult(outcome, written, Strategy);
    }

    private async ValueTask<ReceiveOutcome> WriteAsync(ReceiveJob job, ReadOnlyMemory<byte> data, long offset)
    {
        job.Tally.WriteCalls++;
        job.Tally.EngineRequests++;
        IoResult result = await disk.RunDataAsync(
            static s => FilePal.Pwrite(s.File, s.Data.Span, s.Offset),
            (File: job.File, Data: data, Offset: offset)).ConfigureAwait(false);
        if (result.Status == IoStatus.Done)
        {
            job.Tally.BytesWritten += result.Bytes;
            return ReceiveOutcome.Completed;
        }

        return OutcomeOf(FilePal.WriteStatusOf(result.Errno));
    }

    // The one errno → outcome mapping of the receive side (ENOSPC/EDQUOT → 507, EROFS/EACCES → 403).
    public static ReceiveOutcome OutcomeOf(FileWriteStatus status) => status switch
    {
        FileWriteStatus.Done => ReceiveOutcome.Completed,
        FileWriteStatus.NoSpace => ReceiveOutcome.NoSpace,
        FileWriteStatus.NotPermitted => ReceiveOutcome.NotPermitted,
        _ => ReceiveOutcome.Failed,
    };
}
