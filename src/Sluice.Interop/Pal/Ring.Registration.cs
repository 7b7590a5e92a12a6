using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public sealed unsafe partial class Ring
{
    // IORING_REGISTER_BUFFERS with one iovec: the kernel pins the pages once, and READ_FIXED
    // reads into them skip the per-request page pinning. Pinned pages count against
    // RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK: over it the kernel answers ENOMEM.
    public RingRegisterStatus TryRegisterBuffer(nint address, long length)
    {
        var iov = new Libc.IoVec { Base = (void*)address, Length = (nuint)length };
        if (Libc.IoUringRegister(_fd, Libc.IORING_REGISTER_BUFFERS, &iov, 1) == 0)
        {
            return RingRegisterStatus.Registered;
        }

        return Libc.LastErrno switch
        {
            Errno.ENOMEM => RingRegisterStatus.OverLockedMemoryLimit,
            Errno.EINVAL or Errno.EOPNOTSUPP => RingRegisterStatus.NotSupported,
            _ => RingRegisterStatus.Failed,
        };
    }

    // RLIMIT_MEMLOCK's soft limit in bytes (long.MaxValue when unlimited or unknown): what a
    // registration may pin for a process without CAP_IPC_LOCK.
    public static long LockedMemoryLimit()
    {
        Libc.Rlimit limit;
        if (Libc.Getrlimit(Libc.RLIMIT_MEMLOCK, &limit) != 0 || limit.Current >= long.MaxValue)
        {
            return long.MaxValue;
        }

        return (long)limit.Current;
    }
}
