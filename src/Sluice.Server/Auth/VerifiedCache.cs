using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sluice.Server.Auth;

// Authorization values that the slow hash accepted recently, so a client that sends the same
// header on every request (all do) pays PBKDF2 or bcrypt once per TTL, not per request.
//
// The key is an HMAC-SHA256 of the whole header value under a key made at start, never the value:
// the table holds nothing that would let a reader of the process's memory test passwords at the
// speed of a fast hash. Keying by the value (user and password together) means a different
// password for the same user is a miss and goes through the slow hash again — the cache can only
// repeat a yes for the exact credentials that earned it. 128 bits of the MAC are kept; a collision
// would need a second preimage of HMAC-SHA256 truncated to 128 bits.
//
// Only successes are cached (failures are the limiter's business), expiry is checked on lookup,
// and the table is bounded: when full, expired entries are swept and, if that frees nothing, it is
// cleared (everyone then pays one slow hash again).
public sealed class VerifiedCache
{
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly long _ttlMs;
    // Expiry runs on this clock (tests pass a manual one instead of sleeping past the TTL).
    private readonly TimeProvider _time;

    public VerifiedCache(TimeSpan ttl, TimeProvider? time = null)
    {
        _ttlMs = (long)ttl.TotalMilliseconds;
        _time = time ?? TimeProvider.System;
    }

    public int Count => _entries.Count;

    public UInt128 KeyOf(ReadOnlySpan<byte> authorization)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, authorization, mac);
        return BinaryPrimitives.ReadUInt128LittleEndian(mac);
    }

    public bool TryGet(UInt128 key, out string user)
    {
        long now = NowMs();
        user = "";
        if (!_entries.TryGetValue(key, out Entry entry))
        {
            return false;
        }

        if (now >= entry.ExpiresAt)
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            return false;
        }

        user = entry.User;
        return true;
    }

    public void Add(UInt128 key, string user)
    {
        if (_ttlMs <= 0)
        {
            return;
        }

        long now = NowMs();
        if (_entries.Count >= MaxEntries)
        {
            foreach (KeyValuePair<UInt128, Entry> pair in _entries)
            {
                if (now >= pair.Value.ExpiresAt)
                {
                    _entries.TryRemove(pair);
                }
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
        }

        _entries[key] = new Entry(user, now + _ttlMs);
    }

    private long NowMs() => (long)(_time.GetTimestamp() * (1000.0 / _time.TimestampFrequency));

    public void Remove(UInt128 key) => _entries.TryRemove(key, out _);

    // The credentials changed (SIGHUP): every remembered yes is void.
    public void Clear() => _entries.Clear();

    private readonly record struct Entry(string User, long ExpiresAt);
}
