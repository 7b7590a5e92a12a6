using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // RLIMIT_NOFILE is 7 on every Linux ABI .NET runs on (x86-64, arm64: the generic numbering).
    internal const int RLIMIT_NOFILE = 7;

    // Bytes a process without CAP_IPC_LOCK may lock (mlock, io_uring registered buffers).
    internal const int RLIMIT_MEMLOCK = 8;

    // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; } with 64-bit rlim_t.
    [StructLayout(LayoutKind.Sequential)]
    internal struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(Name, EntryPoint = "getrlimit", SetLastError = true)]
    internal static unsafe partial int Getrlimit(int resource, Rlimit* limit);

    [LibraryImport(Name, EntryPoint = "setrlimit", SetLastError = true)]
    internal static unsafe partial int Setrlimit(int resource, Rlimit* limit);
}
