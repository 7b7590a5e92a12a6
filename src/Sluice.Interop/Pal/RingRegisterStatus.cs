namespace Sluice.Interop.Pal;

public enum RingRegisterStatus : byte
{
    Registered,
    // ENOMEM: the pages would exceed RLIMIT_MEMLOCK (8 MiB for non-root users by default).
    OverLockedMemoryLimit,
    NotSupported,
    Failed,
}
