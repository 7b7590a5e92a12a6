using System.Net;

namespace Sluice.Server.Auth;

// Failed logins per client address, as a token bucket: an address starts with MaxFailures tokens,
// each failure takes one, and the bucket refills at MaxFailures per window. An empty bucket means
// 429 with Retry-After until the next token, without running the slow hash — so a guessing client
// costs neither CPU nor many tries, while a user who mistypes a few times is never locked out for
// long.
//
// Memory is bounded: at most MaxAddresses buckets. When the table is full, buckets that have
// refilled completely (they carry no information) are dropped; if every one is still draining —
// more distinct failing addresses than the table holds, within one window — the table is cleared.
// That lets such a distributed guesser start over, which is the price of a fixed bound; each of
// its addresses still gets at most MaxFailures quick tries per table generation.
//
// Failures are rare next to requests, so one lock is simpler than a concurrent table and costs
// nothing on the path of a request with good credentials (which never comes here).
public sealed class FailureLimiter
{
    public const int MaxAddresses = 10_000;

    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly long _refillTicksPerToken;

    public FailureLimiter(int maxFailures, TimeSpan window)
    {
        _capacity = maxFailures;
        _refillTicksPerToken = Math.Max(1, (long)window.TotalMilliseconds / maxFailures);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Count;
            }
        }
    }

    // Whether address has no attempt left now; retryAfterSeconds says when the next one is due.
    public bool IsLimited(IPAddress address, long now, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        lock (_lock)
        {
            if (!_buckets.TryGetValue(address, out Bucket bucket))
            {
                return false;
            }

            bucket = Refill(bucket, now);
            _buckets[address] = bucket;
            if (bucket.Tokens > 0)
            {
                return false;
            }

            long wait = bucket.LastRefill + _refillTicksPerToken - now;
            retryAfterSeconds = (int)Math.Max(1, (wait + 999) / 1000);
            return true;
        }
    }

    // Takes one attempt from address's bucket before its credentials are hashed, or says when the
    // next one is due. Taking first is what bounds parallel guesses: a check that only looked, with
    // the failure recorded after the hash, let every request of a burst through to the hash
    // (30 parallel wrong passwords from one address: 30 hashes, no 429). A success gives it back.
    public bool TryTake(IPAddress address, long now, out int retryAfterSeconds)
    {
        lock (_lock)
        {
            if (IsLimited(address, now, out retryAfterSeconds))
            {
                return false;
            }

            RecordFailure(address, now);
            return true;
        }
    }

    // Returns the attempt TryTake took, for credentials that verified.
    public void Refund(IPAddress address, long now)
    {
        lock (_lock)
        {
            if (_buckets.TryGetValue(address, out Bucket bucket))
            {
                bucket = Refill(bucket, now);
                _buckets[address] = bucket with { Tokens = Math.Min(_capacity, bucket.Tokens + 1) };
            }
        }
    }

    public void RecordFailure(IPAddress address, long now)
    {
        lock (_lock)
        {
            if (!_buckets.TryGetValue(address, out Bucket bucket))
            {
                if (_buckets.Count >= MaxAddresses)
                {
                    MakeRoom(now);
                }

                bucket = new Bucket(_capacity, now);
            }

            bucket = Refill(bucket, now);
            _buckets[address] = bucket with { Tokens = Math.Max(0, bucket.Tokens - 1) };
        }
    }

    private Bucket Refill(Bucket bucket, long now)
    {
        long tokens = (now - bucket.LastRefill) / _refillTicksPerToken;
        if (tokens <= 0)
        {
            return bucket;
        }

        // LastRefill advances by whole tokens only, so a partial interval is not lost.
        return bucket.Tokens + tokens >= _capacity
            ? new Bucket(_capacity, now)
            : new Bucket(bucket.Tokens + (int)tokens, bucket.LastRefill + (tokens * _refillTicksPerToken));
    }

    private void MakeRoom(long now)
    {
        foreach ((IPAddress address, Bucket bucket) in _buckets)
        {
            if (Refill(bucket, now).Tokens >= _capacity)
            {
                _buckets.Remove(address);
            }
        }

        if (_buckets.Count >= MaxAddresses)
        {
            _buckets.Clear();
        }
    }

    private readonly record struct Bucket(int Tokens, long LastRefill);
}
