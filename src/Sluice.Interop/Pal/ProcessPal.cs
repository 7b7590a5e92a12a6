using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Facts about a process that /proc gives only coarsely.
public static class ProcessPal
{
    // CPU time of every thread of process pid, live or exited, in nanoseconds. /proc gives less:
    // /proc/PID/stat counts clock ticks (10 ms), /proc/PID/schedstat is the main thread's alone
    // and /proc/PID/task/*/schedstat loses threads that have exited (measured on Linux 6.18).
    public static bool TryGetCpuTime(int pid, out long nanoseconds)
    {
        if (Libc.ClockGettime(Libc.ProcessCpuClock(pid), out Libc.Timespec time) != 0)
        {
            nanoseconds = 0;
            return false;
        }

        nanoseconds = (time.TvSec * 1_000_000_000) + time.TvNsec;
        return true;
    }
}
