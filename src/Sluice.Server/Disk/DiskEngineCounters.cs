namespace Sluice.Server.Disk;

// What the disk engine did, for /metrics: a silent fallback from io_uring to threads shows as
// the engine label and as submissions that do not move.
public sealed class DiskEngineCounters(string engine)
{
    private long _submissions;
    private long _completions;

    public string Engine { get; } = engine;

    // Requests handed to the kernel (io_uring: SQEs, short-read resubmissions included) or to a
    // disk thread (threads: work items).
    public long Submissions => Interlocked.Read(ref _submissions);

    public long Completions => Interlocked.Read(ref _completions);

    internal void Submitted() => Interlocked.Increment(ref _submissions);

    internal void Completed() => Interlocked.Increment(ref _completions);
}
