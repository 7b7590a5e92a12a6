namespace Sluice.Core.Preconditions;

public enum PreconditionResult
{
    Proceed,
    NotModified,        // 304 (RFC 9110 §15.4.5)
    PreconditionFailed, // 412 (RFC 9110 §15.5.13)
}
