namespace Sluice.Interop.Pal;

public enum RingSetupStatus : byte
{
    Ready,
    // EPERM/EACCES: seccomp (most container runtimes) or the kernel.io_uring_disabled sysctl.
    Refused,
    // ENOSYS: a kernel without io_uring.
    NotImplemented,
    // The ring exists but lacks what Sluice needs (IORING_FEAT_SINGLE_MMAP, IORING_OP_READ).
    Incomplete,
    // ENOMEM or anything else: the ring could not be created now.
    Failed,
}
