namespace Sluice.Server.Auth;

public enum AuthOutcome : byte
{
    // The path is under a --public prefix: served without looking at credentials.
    Public,
    // Credentials verified (now, or recently: the cache).
    Allowed,
    // 401: no credentials, or wrong ones.
    Challenge,
    // 429: this address failed too often; Retry-After says when to try again.
    RateLimited,
}
