namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const long SYS_io_uring_register = 427;

    internal const uint IORING_REGISTER_BUFFERS = 0;
    internal const uint IORING_UNREGISTER_BUFFERS = 1;
    internal const uint IORING_REGISTER_PROBE = 8;

    internal static unsafe int IoUringRegister(int ringFd, uint opcode, void* argument, uint count) =>
        (int)Syscall(SYS_io_uring_register, ringFd, opcode, (long)argument, count, 0, 0);
}
