namespace Sluice.Server.Metrics;

// What access control did, for /metrics: failed attempts must be visible (a password-guessing
// client shows up as failures, then as rate-limited requests), and the cache's hit rate says
// whether the slow hash is being paid per request.
public sealed class AuthCounters
{
    private long _challenged;
    private long _failed;
    private long _rateLimited;
    private long _verified;
    private long _cacheHits;
    private long _publicRequests;

    // 401 for a request that carried no credentials (a browser's first request): not a failure.
    public long Challenged => Volatile.Read(ref _challenged);

    // 401 for wrong, unknown or malformed credentials.
    public long Failed => Volatile.Read(ref _failed);

    public long RateLimited => Volatile.Read(ref _rateLimited);

    // Credentials checked by the slow hash and found right.
    public long Verified => Volatile.Read(ref _verified);

    public long CacheHits => Volatile.Read(ref _cacheHits);

    public long PublicRequests => Volatile.Read(ref _publicRequests);

    public void CountChallenged() => Interlocked.Increment(ref _challenged);

    public void CountFailed() => Interlocked.Increment(ref _failed);

    public void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    public void CountVerified() => Interlocked.Increment(ref _verified);

    public void CountCacheHit() => Interlocked.Increment(ref _cacheHits);

    public void CountPublic() => Interlocked.Increment(ref _publicRequests);
}
