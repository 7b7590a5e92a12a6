namespace Sluice.Cli.Get;

// A failure that retrying cannot fix (a refusal, an answer that breaks the protocol, retries used
// up, a digest that does not match): `sluice get` reports the message and exits with ExitCode.
internal sealed class GetFailure(string message, int exitCode = GetFailure.Failed) : Exception(message)
{
    public const int Failed = 1;

    // The bytes arrived but are not the ones the server or --sha256 described.
    public const int VerificationFailed = 3;

    public int ExitCode { get; } = exitCode;
}

// The representation changed between requests (a 200 to an If-Range request, another Repr-Digest):
// the chunks on disk belong to another version, so the download starts over.
internal sealed class GetChanged(string message) : Exception(message);

// An answer worth another attempt after the backoff (5xx): treated like a cut connection.
internal sealed class GetRetryable(string message) : Exception(message);
