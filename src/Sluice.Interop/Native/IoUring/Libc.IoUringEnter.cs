namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const long SYS_io_uring_enter = 426;

    internal const uint IORING_ENTER_GETEVENTS = 1u << 0;

    // sig = NULL: the signal mask is left alone, so the size argument is unused.
    internal static int IoUringEnter(int ringFd, uint toSubmit, uint minComplete, uint flags) =>
        (int)Syscall(SYS_io_uring_enter, ringFd, toSubmit, minComplete, flags, 0, 0);
}
