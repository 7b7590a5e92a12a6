namespace Sluice.Cli.Put;

// A failure that retrying cannot fix (a refusal by the server, a bad certificate, a local file that
// changed while it was sent): `sluice put` reports the message and exits 1 at once.
internal sealed class PutFailure(string message) : Exception(message);

// An answer worth another attempt after the backoff (502/503/504, a tus offset conflict, an upload
// the server no longer knows): treated like a cut connection.
internal sealed class PutRetryable(string message) : Exception(message);
