using System.Globalization;

namespace Sluice.Cli.Bench;

// The /proc counters (proc(5)) the benchmark samples around a transfer. Times are in clock ticks
// of USER_HZ, which is 100 on every Linux ABI .NET runs on.
internal static class ProcStats
{
    public const double TicksPerSecond = 100.0;

    // CPU time of the whole process (utime and stime in /proc/PID/stat include every thread, live
    // or exited) and context switches summed over its threads: /proc/PID/status alone reports
    // only the main thread's, and the server's work happens on thread-pool threads.
    public static ProcessSample ReadProcess(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesized command name, which may itself contain spaces; utime and
        // stime are fields 14 and 15 of the line, 12 and 13 after the name.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long system = long.Parse(fields[12], CultureInfo.InvariantCulture);

        long voluntary = 0;
        long involuntary = 0;
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (string line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        voluntary += ValueAfterColon(line);
                    }
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        involuntary += ValueAfterColon(line);
                    }
                }
            }
            catch (IOException)
            {
                // The thread exited between listing and reading; its switches are lost either way.
            }
        }

        return new ProcessSample(user, system, voluntary, involuntary);
    }

    // Busy and total ticks of the aggregate "cpu" line of /proc/stat: user nice system idle iowait
    // irq softirq steal (guest and guest_nice are already counted in user and nice). Busy is the
    // total less idle and iowait.
    public static MachineSample ReadMachine()
    {
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0;
            for (int i = 1; i <= 8 && i < fields.Length; i++)
            {
                total += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            long idle = long.Parse(fields[4], CultureInfo.InvariantCulture) + long.Parse(fields[5], CultureInfo.InvariantCulture);
            return new MachineSample(total - idle, total);
        }

        throw new InvalidOperationException("/proc/stat has no aggregate cpu line");
    }

    // "Cached:" of /proc/meminfo: page cache (file pages, including tmpfs and shmem), in bytes.
    public static long ReadCachedBytes()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("Cached:", StringComparison.Ordinal))
            {
                // "Cached:          123456 kB"
                return ValueAfterColon(line.Replace("kB", "", StringComparison.Ordinal)) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/meminfo has no Cached: line");
    }

    private static long ValueAfterColon(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);

    public readonly record struct ProcessSample(long UserTicks, long SystemTicks, long Voluntary, long Involuntary);

    public readonly record struct MachineSample(long BusyTicks, long TotalTicks);
}
