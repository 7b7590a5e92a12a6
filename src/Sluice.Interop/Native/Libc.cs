using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

// One partial per native call (Libc.Sendfile.cs, Libc.Openat2.cs, …). C names are kept for
// constants so they can be checked against the man pages. Flag values that differ by
// architecture are resolved once here.
internal static partial class Libc
{
    internal const string Name = "libc";

    internal static readonly bool s_isArm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    internal const int O_RDONLY = 0;
    internal const int O_WRONLY = 1;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal static readonly int O_DIRECTORY = s_isArm64 ? 0x4000 : 0x10000;
    internal static readonly int O_NOFOLLOW = s_isArm64 ? 0x8000 : 0x20000;
    internal static readonly int O_DIRECT = s_isArm64 ? 0x10000 : 0x4000;

    internal const int AT_FDCWD = -100;
    internal const int AT_EMPTY_PATH = 0x1000;

    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();
}
