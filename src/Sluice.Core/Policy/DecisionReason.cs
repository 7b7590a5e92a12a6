namespace Sluice.Core.Policy;

public enum DecisionReason : byte
{
    // --strategy named a fixed mechanism.
    Forced,
    // auto: the body is no larger than --copy-threshold.
    Small,
    // auto: the body is smaller than --direct-threshold.
    BelowThreshold,
    // auto: large, but the requested range is already in the page cache: sendfile is cheaper.
    Resident,
    // auto: large and not resident: bypass the page cache.
    LargeCold,
    // auto: large, and residency could not be measured: treated as cold.
    ResidencyUnknown,
    // TLS needs the bytes in user space.
    Tls,
}
