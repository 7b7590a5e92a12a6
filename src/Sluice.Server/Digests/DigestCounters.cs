namespace Sluice.Server.Digests;

// What the digest worker did, for /metrics (PrometheusWriter.Digests.cs).
public sealed class DigestCounters
{
    private long _computed;
    private long _bytesHashed;
    private long _cacheHits;
    private long _scheduled;
    private long _queueFull;
    private long _xattrHits;
    private long _xattrStale;
    private long _xattrWrites;
    private long _xattrWriteFailures;
    private long _discarded;

    // Digests computed by reading the file (not taken from an attribute).
    public long Computed => Interlocked.Read(ref _computed);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    // Requests that wanted a digest and got it from memory.
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    // Requests that wanted a digest, got none, and queued its computation.
    public long Scheduled => Interlocked.Read(ref _scheduled);

    // Requests that wanted a digest while the queue was full (answered without; a later one retries).
    public long QueueFull => Interlocked.Read(ref _queueFull);

    // Digests taken from user.sluice.sha256 whose size and mtime matched.
    public long XattrHits => Interlocked.Read(ref _xattrHits);

    // Attributes found but describing another version (or unreadable): ignored, the file hashed.
    public long XattrStale => Interlocked.Read(ref _xattrStale);

    public long XattrWrites => Interlocked.Read(ref _xattrWrites);

    public long XattrWriteFailures => Interlocked.Read(ref _xattrWriteFailures);

    // Computations thrown away because the file changed while it was read (or a read failed).
    public long Discarded => Interlocked.Read(ref _discarded);

    internal void CountComputed() => Interlocked.Increment(ref _computed);

    internal void AddBytesHashed(long bytes) => Interlocked.Add(ref _bytesHashed, bytes);

    internal void CountCacheHit() => Interlocked.Increment(ref _cacheHits);

    internal void CountScheduled() => Interlocked.Increment(ref _scheduled);

    internal void CountQueueFull() => Interlocked.Increment(ref _queueFull);

    internal void CountXattrHit() => Interlocked.Increment(ref _xattrHits);

    internal void CountXattrStale() => Interlocked.Increment(ref _xattrStale);

    internal void CountXattrWrite() => Interlocked.Increment(ref _xattrWrites);

    internal void CountXattrWriteFailure() => Interlocked.Increment(ref _xattrWriteFailures);

    internal void CountDiscarded() => Interlocked.Increment(ref _discarded);
}
