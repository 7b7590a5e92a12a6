using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // openat2(2) has no glibc wrapper on Debian 12; its number is 437 on every architecture
    // (allocated after the syscall tables were unified).
    private const long SYS_openat2 = 437;

    // RESOLVE_BENEATH: the kernel refuses any resolution (.., absolute symlinks, symlinks whose
    // target leaves the tree) that would step outside dirfd — confinement without a realpath walk.
    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    internal const ulong RESOLVE_BENEATH = 0x08;
    // RESOLVE_NO_SYMLINKS: no symlink anywhere in the walk (ELOOP) — the upload side's rule.
    internal const ulong RESOLVE_NO_SYMLINKS = 0x04;
    // RESOLVE_CACHED (Linux 5.12): the walk must be served from the dentry cache; when it would
    // need I/O (a cold dentry or inode) the call fails with EAGAIN instead of waiting.
    internal const ulong RESOLVE_CACHED = 0x20;

    [StructLayout(LayoutKind.Sequential)]
    internal struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall4(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    internal static unsafe int Openat2(int dirfd, ReadOnlySpan<byte> nulTerminatedPath, in OpenHow how)
    {
        fixed (byte* p = nulTerminatedPath)
        fixed (OpenHow* h = &how)
        {
            return (int)Syscall4(SYS_openat2, dirfd, p, h, (nuint)sizeof(OpenHow));
        }
    }
}
