using System.Globalization;
using Sluice.Server.Metrics;

namespace Sluice.Cli.Bench;

// The machine-wide /proc counters (proc(5)) the benchmark samples around a transfer; the
// server process's own come from ProcessStats. Times are in clock ticks
// of USER_HZ, which is 100 on every Linux ABI .NET runs on.
internal static class ProcStats
{
    public const double TicksPerSecond = ProcessStats.TicksPerSecond;

    // The server's own reader (also behind /metrics): CPU of every thread, switches summed over threads.
    public static ProcessStats ReadProcess(int pid) => ProcessStats.Read(pid.ToString(CultureInfo.InvariantCulture));

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

    public readonly record struct MachineSample(long BusyTicks, long TotalTicks);
}
