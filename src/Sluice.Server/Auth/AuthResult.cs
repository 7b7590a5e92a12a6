namespace Sluice.Server.Auth;

// User: who was verified (Allowed), for the log; null otherwise.
public readonly record struct AuthResult(AuthOutcome Outcome, int RetryAfterSeconds, string? User)
{
    public bool Refused => Outcome is AuthOutcome.Challenge or AuthOutcome.RateLimited;
}
