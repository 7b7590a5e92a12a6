using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    // The CPU-time clock of another process (what clock_getcpuclockid(3) returns), made by hand:
    // ~pid << 3 | CPUCLOCK_SCHED. The kernel sums every thread of the group, the exited ones too,
    // in nanoseconds of scheduled run time.
    internal const int CPUCLOCK_SCHED = 2;

    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long TvSec;
        public long TvNsec;
    }

    [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGettime(int clockId, out Timespec time);

    internal static int ProcessCpuClock(int pid) => (~pid << 3) | CPUCLOCK_SCHED;
}
