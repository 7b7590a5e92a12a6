namespace Sluice.Server.Transfer;

// The system calls a mechanism issues on the data path, counted by kind.
public enum SyscallKind
{
    Send,
    Sendfile,
    Pread,
    EpollCtl,
    Count,
}
