using System.Net;
using System.Text;
using Sluice.Core.Auth;
using Sluice.Core.Http;
using Sluice.Core.Paths;
using Sluice.Server.Configuration;
using Sluice.Server.Files;
using Sluice.Server.Metrics;

namespace Sluice.Server.Auth;

// The access-control decision for one request: public path, allowed, 401 or 429. The connection
// asks after the head is parsed and before the file handler describes anything, so a 401 looks
// the same for a file, a directory and a path that does not exist (also for HEAD and listings).
//
// Order of the checks, and why:
//   1. public prefix      — no credentials looked at (a public path works with bad ones too);
//   2. no Authorization   — 401 challenge, not counted as a failure (browsers ask first without);
//   3. cache hit          — allowed inline; checked before the rate limit so that users already
//                           signed in behind the same address (NAT) as a guesser keep working;
//   4. rate limit         — 429 before any hashing, so a guesser cannot make us burn CPU; the
//                           attempt is taken from the address's bucket here, before the hash,
//                           and given back on success, so parallel guesses are bounded too;
//   5. slow hash          — off the socket threads (the threading rule: a socket thread must not
//                           stall for the ~0.1–0.5 s of PBKDF2/bcrypt), at most one per core at a
//                           time; success is cached, failure counted against the address.
public sealed partial class AuthGate
{
    public const string Challenge = "Basic realm=\"sluice\", charset=\"UTF-8\"";

    private const int StackPathChars = 512;

    private static readonly byte[] s_unauthorizedBody = Encoding.UTF8.GetBytes("401 Unauthorized\n");
    private static readonly byte[] s_tooManyBody = Encoding.UTF8.GetBytes("429 Too Many Requests\n");

    // Replaced by TryReload (SIGHUP); read once per verification (AuthGate.Reload.cs).
    private volatile CredentialVerifier _verifier;
    private readonly PublicPaths _public;
    private readonly VerifiedCache _cache;
    private readonly FailureLimiter _limiter;
    private readonly AuthCounters _counters;
    private readonly SemaphoreSlim _hashing = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public AuthGate(AuthOptions options, AuthCounters counters)
    {
        var errors = new List<string>();
        IReadOnlyList<CredentialEntry> credentials = options.LoadCredentials(errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _verifier = new CredentialVerifier(credentials);
        _public = new PublicPaths(options.PublicPrefixes);
        _cache = new VerifiedCache(options.CacheTtl, options.Clock);
        _limiter = new FailureLimiter(options.MaxFailures, options.FailureWindow);
        _counters = counters;
    }

    public int UserCount => _verifier.UserCount;

    internal VerifiedCache Cache => _cache;

    internal FailureLimiter Limiter => _limiter;

    // The prefixes a Public answer holds the request to: the file handler checks the file the
    // kernel resolved against them (ResponsePlan.PublicOnly).
    public PublicPaths PublicPaths => _public;

    // asProtected: decide as if the path were not public — for a public path whose file resolved
    // outside every public prefix (a symlink into a protected directory), and for every write
    // (uploads), which a public prefix never grants.
    public ValueTask<AuthResult> AuthorizeAsync(HttpRequestHead head, IPAddress? client, bool asProtected = false)
    {
        if (!asProtected && !_public.IsEmpty && IsPublic(head.TargetBytes))
        {
            _counters.CountPublic();
            return new(new AuthResult(AuthOutcome.Public, 0, null));
        }

        if (!head.HasAuthorization)
        {
            _counters.CountChallenged();
            return new(new AuthResult(AuthOutcome.Challenge, 0, null));
        }

        long now = Environment.TickCount64;
        UInt128 key = _cache.KeyOf(head.AuthorizationBytes);
        if (!head.AuthorizationRepeated && _cache.TryGet(key, out string cachedUser))
        {
            _counters.CountCacheHit();
            return new(new AuthResult(AuthOutcome.Allowed, 0, cachedUser));
        }

        // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d: one bucket either way.
        IPAddress address = client is null ? IPAddress.None : client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        if (!_limiter.TryTake(address, now, out int retryAfter))
        {
            _counters.CountRateLimited();
            return new(new AuthResult(AuthOutcome.RateLimited, retryAfter, null));
        }

        if (head.AuthorizationRepeated || !BasicCredentials.TryParse(head.AuthorizationBytes, out string user, out string password))
        {
            return new(Fail());
        }

        return VerifyAsync(key, user, password, address);
    }

    // Fills the plan for a refusal (401 or 429); a HEAD gets the fields without the body.
    public static void Refuse(AuthResult result, ResponsePlan plan, bool head)
    {
        if (result.Outcome == AuthOutcome.RateLimited)
        {
            plan.SetInline(429, s_tooManyBody, ErrorBodies.ContentType);
            plan.RetryAfterSeconds = result.RetryAfterSeconds;
        }
        else
        {
            plan.SetInline(401, s_unauthorizedBody, ErrorBodies.ContentType);
            plan.WwwAuthenticate = Challenge;
        }

        plan.OmitBody = head;
    }

    private async ValueTask<AuthResult> VerifyAsync(UInt128 key, string user, string password, IPAddress address)
    {
        bool ok;
        CredentialVerifier verifier = _verifier;
        await _hashing.WaitAsync().ConfigureAwait(false);
        try
        {
            ok = await Task.Run(() => verifier.Verify(user, password)).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }

        long now = Environment.TickCount64;
        if (!ok)
        {
            return Fail();
        }

        _limiter.Refund(address, now);
        _cache.Add(key, user);
        if (verifier != _verifier)
        {
            // A reload replaced the credentials during the hash: this yes must not outlive them.
            // (TryReload swaps, then clears: an Add before the clear is cleared, one after sees the swap.)
            _cache.Remove(key);
        }

        _counters.CountVerified();
        return new AuthResult(AuthOutcome.Allowed, 0, user);
    }

    // The attempt was already taken from the address's bucket (TryTake).
    private AuthResult Fail()
    {
        _counters.CountFailed();
        return new AuthResult(AuthOutcome.Challenge, 0, null);
    }

    // Decoded and normalized exactly as the file handler will open it; a target that does not
    // decode is not public (the request then needs credentials, and gets its 400 after them).
    private bool IsPublic(ReadOnlySpan<byte> target)
    {
        if (!FileHandler.TryGetPath(target, out ReadOnlySpan<byte> rawPath))
        {
            return false;
        }

        Span<char> decoded = rawPath.Length <= StackPathChars ? stackalloc char[StackPathChars] : new char[rawPath.Length];
        return RequestPathDecoder.TryDecode(rawPath, decoded, out int length, out _) == PathRejection.None
            && _public.Contains(decoded[..length]);
    }
}
