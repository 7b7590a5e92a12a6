using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // glibc has no io_uring wrappers: the calls go through syscall(2). The numbers come from the
    // generic syscall table, identical on x86-64 and arm64.
    internal const long SYS_io_uring_setup = 425;

    internal const uint IORING_FEAT_SINGLE_MMAP = 1u << 0;
    internal const uint IORING_FEAT_NODROP = 1u << 1;

    // mmap offsets that select which region of the ring descriptor is mapped.
    internal const long IORING_OFF_SQ_RING = 0;
    internal const long IORING_OFF_CQ_RING = 0x8000000;
    internal const long IORING_OFF_SQES = 0x10000000;

    internal const int PROT_WRITE = 0x2;
    internal const int MAP_POPULATE = 0x8000;

    // syscall(2) is variadic; every argument here is a register-sized integer, which the
    // x86-64 and arm64 Linux ABIs pass exactly as for a non-variadic call.
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    internal static unsafe int IoUringSetup(uint entries, IoUringParams* parameters) =>
        (int)Syscall(SYS_io_uring_setup, entries, (long)parameters, 0, 0, 0, 0);
}
