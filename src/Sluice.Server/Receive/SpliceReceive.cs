using System.Net.Sockets;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Connections.Transport;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// splice socket → pipe → file: the body never passes through user space (one copy, socket buffer
// → page cache, done by the kernel, against two for recv + write).
//
// Design note (threading): the two halves run in different places. socket → pipe is non-blocking
// on both ends (SPLICE_F_NONBLOCK, O_NONBLOCK pipe, non-blocking socket) and runs on the
// connection's flow; an empty socket (EAGAIN) is waited for with a zero-byte Socket.ReceiveAsync,
// which the runtime completes on epoll readability without consuming a byte (or at end of stream,
// which the next splice then reports as 0). pipe → file can wait on the disk (dirty-page
// throttling, and the drop-behind's writeback wait), so it runs on the disk engine, one
// RunDataAsync per pipe-full (the data queue, behind any open or statx). Two pipes alternate so
// the socket fills one while the disk engine empties the other.
// Pipes are sized with F_SETPIPE_SZ (1 MiB: the unprivileged maximum by default): a 64 KiB pipe
// would mean 16 engine hand-offs per MiB.
//
// Bytes the connection had already buffered behind the head are written first with pwrite.
// A transport without a raw socket (TLS, tests' streams) cannot splice; the policy never picks
// this mechanism for one, and if asked anyway it hands the job to the fallback.
public sealed class SpliceReceive : IReceiveMechanism
{
    private const long PreallocateAtLeast = 1024 * 1024;

    private readonly IDiskEngine _disk;
    private readonly FilesystemCapabilities _capabilities;
    private readonly IReceiveMechanism _fallback;
    private readonly int _pipeCapacity;

    // dropBehind: keep the upload out of the page cache (SpliceDrain); for bodies at or above the
    // direct threshold. Small uploads stay cached: they are likely read back soon.
    public SpliceReceive(IDiskEngine disk, FilesystemCapabilities capabilities, IReceiveMechanism fallback, bool dropBehind, int pipeCapacity = 1024 * 1024)
    {
        _disk = disk;
        _capabilities = capabilities;
        _fallback = fallback;
        DropBehind = dropBehind;
        _pipeCapacity = pipeCapacity;
    }

    public ReceiveStrategy Strategy => ReceiveStrategy.Splice;

    public bool DropBehind { get; }

    public async ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job)
    {
        if (job.Length == 0)
        {
            return new ReceiveResult(ReceiveOutcome.Completed, 0, Strategy);
        }

        SocketTransport? socket = job.Transport.Sendfile;
        ulong device = FilePal.TryGetMetadata(job.File, out FileMetadata metadata) ? metadata.Device : 0;
        if (socket is null || _capabilities.IsRefused(device, FilesystemCapability.Splice))
        {
            return await _fallback.ReceiveAsync(job).ConfigureAwait(false);
        }

        SplicePipe? first = SplicePipe.TryCreate(_pipeCapacity);
        SplicePipe? second = first is null ? null : SplicePipe.TryCreate(_pipeCapacity);
        try
        {
            if (second is null)
            {
                // Out of descriptors or pipe memory: the fallback needs neither.
                return await _fallback.ReceiveAsync(job).ConfigureAwait(false);
            }

            var drain = new SpliceDrain(job.File, device, DropBehind, _capabilities, refused: false);
            ReceiveResult result = await RunAsync(job, socket, drain, first!, second).ConfigureAwait(false);
            job.Tally.SpliceCalls += drain.SpliceCalls;
            job.Tally.WriteCalls += drain.WriteCalls;
            job.Tally.BytesWritten += result.Bytes;
            return drain.Refused ? result with { Strategy = ReceiveStrategy.Buffered } : result;
        }
        finally
        {
            first?.Dispose();
            second?.Dispose();
        }
    }

    private async ValueTask<ReceiveResult> RunAsync(ReceiveJob job, SocketTransport socket, SpliceDrain drain, SplicePipe first, SplicePipe second)
    {
        long offset = job.FileOffset;
        long written = 0;
        if (job.Length >= PreallocateAtLeast)
        {
            job.Tally.EngineRequests++;
            ReceiveIoResult reserved = await _disk.RunDataAsync(static s => ReceivePal.Preallocate(s.File, s.FileOffset, s.Length), job).ConfigureAwait(false);
            if (reserved.Status == ReceiveIoStatus.NoSpace)
            {
                return new ReceiveResult(ReceiveOutcome.NoSpace, 0, Strategy);
            }
        }

        if (!job.Buffered.IsEmpty)
        {
            job.Tally.EngineRequests++;
            job.Tally.WriteCalls++;
            ReceiveIoResult head = await _disk.RunDataAsync(static s => ReceivePal.Pwrite(s.File, s.Buffered.Span, s.FileOffset), job).ConfigureAwait(false);
            written += head.Bytes;
            if (head.Status != ReceiveIoStatus.Done)
            {
                return new ReceiveResult(ReceiveOutcomes.FromWrite(head.Status), written, Strategy);
            }

            offset += head.Bytes;
        }

        long toReceive = job.Length - job.Buffered.Length;
        SplicePipe pipe = first;
        Task<ReceiveIoResult>? pending = null;
        int pendingCount = 0;
        ReceiveOutcome ended = ReceiveOutcome.Completed;
        while (toReceive > 0 && ended == ReceiveOutcome.Completed)
        {
            int target = (int)Math.Min(pipe.Capacity, toReceive);
            int inPipe = 0;
            while (inPipe < target)
            {
                ReceiveIoResult r = ReceivePal.SpliceFromSocket(socket.Fd, pipe, target - inPipe);
                job.Tally.SpliceCalls++;
                if (r.Status == ReceiveIoStatus.Done)
                {
                    inPipe += (int)r.Bytes;
                    job.Deadline?.Credit(r.Bytes);
                    continue;
                }

                if (r.Status != ReceiveIoStatus.WouldBlock)
                {
                    ended = r.Status == ReceiveIoStatus.PeerGone ? ReceiveOutcome.PeerGone : ReceiveOutcome.Failed;
                    break;
                }

                // Nothing to read now. If the disk is idle, give it what the pipe holds instead of
                // leaving it idle while the client's next segment is on its way.
                if (inPipe > 0 && (pending is null || pending.IsCompleted))
                {
                    break;
                }

                ended = await WaitReadableAsync(job, socket).ConfigureAwait(false);
                if (ended != ReceiveOutcome.Completed)
                {
                    break;
                }
            }

            toReceive -= inPipe;
            if (pending is not null)
            {
                ReceiveIoResult done = await pending.ConfigureAwait(false);
                written += done.Bytes;
                pending = null;
                if (done.Status != ReceiveIoStatus.Done || done.Bytes != pendingCount)
                {
                    return new ReceiveResult(WriteFailure(done), written, Strategy);
                }
            }

            if (inPipe > 0)
            {
                job.Tally.EngineRequests++;
                pendingCount = inPipe;
                pending = _disk.RunDataAsync(static s => s.Drain.Drain(s.Pipe, s.Count, s.Offset), (Drain: drain, Pipe: pipe, Count: inPipe, Offset: offset));
                offset += inPipe;
                pipe = pipe == first ? second : first;
            }
        }

        if (pending is not null)
        {
            ReceiveIoResult done = await pending.ConfigureAwait(false);
            written += done.Bytes;
            if (done.Status != ReceiveIoStatus.Done || done.Bytes != pendingCount)
            {
                return new ReceiveResult(WriteFailure(done), written, Strategy);
            }
        }

        if (DropBehind)
        {
            job.Tally.EngineRequests++;
            await _disk.RunDataAsync(static d => { d.Finish(); return true; }, drain).ConfigureAwait(false);
        }

        return new ReceiveResult(ended, written, Strategy);
    }

    private static ReceiveOutcome WriteFailure(ReceiveIoResult done) =>
        ReceiveOutcomes.FromWrite(done.Status == ReceiveIoStatus.Done ? ReceiveIoStatus.Failed : done.Status);

    // Completes when the socket is readable (or at end of stream); the wait is bounded by the body
    // deadline (timeout, minimum rate) and the transport's token (server abort). The wait itself
    // moves no byte (EndWait(0)); the splices after it credit what they move (IReceiveDeadline.Credit).
    private static async ValueTask<ReceiveOutcome> WaitReadableAsync(ReceiveJob job, SocketTransport socket)
    {
        job.Deadline?.BeginWait();
        try
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, ReceiveDeadlines.TokenOf(job)).ConfigureAwait(false);
            return ReceiveOutcome.Completed;
        }
        catch (OperationCanceledException)
        {
            return ReceiveOutcome.TimedOut;
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            return ReceiveOutcome.PeerGone;
        }
        finally
        {
            job.Deadline?.EndWait(0);
        }
    }
}
