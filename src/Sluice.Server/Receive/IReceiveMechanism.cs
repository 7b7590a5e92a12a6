using Sluice.Core.Policy;

namespace Sluice.Server.Receive;

// One implementation per receive strategy: moves exactly job.Length body bytes, already known to
// be unframed (a Content-Length body, or one chunk's data), from the connection into a file.
// The bytes the connection had buffered behind the head are written first (job.Buffered).
// Contract: socket waits are non-blocking (EAGAIN → wait for readability, bounded by
// job.Transport.Token and the body deadline); file writes that may block (page-cache writeback,
// O_DIRECT, fsync) never run on a thread that serves sockets; errno never escapes (IoStatus →
// ReceiveOutcome); a kernel refusal (EINVAL from splice on this file system, EOPNOTSUPP from
// RWF_DONTCACHE) falls back to Buffered once, labelled, like the send side's TransferFallback.
public interface IReceiveMechanism
{
    ReceiveStrategy Strategy { get; }

    ValueTask<ReceiveResult> ReceiveAsync(ReceiveJob job);
}
