namespace Sluice.Server.Transfer;

// The system calls a mechanism issues on the data path, counted by kind.
public enum SyscallKind
{
    Send,
    Sendfile,
    Pread,
    Preadv2,
    // openat of /proc/self/fd/N with O_DIRECT.
    Open,
    // epoll_ctl to arm a wait for writability after EAGAIN.
    EpollCtl,
    // cachestat / posix_fadvise issued by the auto policy.
    Policy,
    // A cold range made resident by the disk engine before sendfile sends it (calls it took).
    Populate,
    // cachestat by sendfile before a window whose residency the plan did not know to be complete.
    Residency,
    Count,
}
