using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// RLIMIT_NOFILE: how many descriptors this process may hold (getrlimit(2)).
public readonly record struct DescriptorLimit(long Soft, long Hard)
{
    // Raises the soft limit to the hard one (an unprivileged process may) and returns the limit
    // now in force. The .NET host usually does this already at start; doing it here makes the
    // budget explicit rather than an accident of the host.
    public static unsafe DescriptorLimit RaiseToHard()
    {
        Libc.Rlimit limit;
        if (Libc.Getrlimit(Libc.RLIMIT_NOFILE, &limit) != 0)
        {
            return new DescriptorLimit(long.MaxValue, long.MaxValue);
        }

        if (limit.Current < limit.Maximum)
        {
            Libc.Rlimit raised = limit;
            raised.Current = limit.Maximum;
            if (Libc.Setrlimit(Libc.RLIMIT_NOFILE, &raised) == 0)
            {
                limit = raised;
            }
        }

        return new DescriptorLimit(Clamp(limit.Current), Clamp(limit.Maximum));
    }

    // The limit in force, unchanged (for process_max_fds); unlimited where getrlimit fails.
    public static unsafe DescriptorLimit Read()
    {
        Libc.Rlimit limit;
        return Libc.Getrlimit(Libc.RLIMIT_NOFILE, &limit) == 0
            ? new DescriptorLimit(Clamp(limit.Current), Clamp(limit.Maximum))
            : new DescriptorLimit(long.MaxValue, long.MaxValue);
    }

    // RLIM_INFINITY is ~0UL.
    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    // Descriptors open now (entries of /proc/self/fd, less the one used to list them).
    public static int OpenNow()
    {
        try
        {
            return Math.Max(0, Directory.GetFileSystemEntries("/proc/self/fd").Length - 1);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
