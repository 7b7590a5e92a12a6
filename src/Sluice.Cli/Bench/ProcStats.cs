using System.Globalization;
using Sluice.Server.Metrics;

namespace Sluice.Cli.Bench;

// The machine-wide /proc counters (proc(5)) the benchmark samples around a transfer; the
// server process's own come from ProcessStats, the server's reader. Times are in clock ticks
// of USER_HZ, which is 100 on every Linux ABI .NET runs on.
internal static class ProcStats
{
    public const double TicksPerSecond = ProcessStats.TicksPerSecond;

    public static ProcessStats ReadProcess(int pid) => ProcessStats.Read(pid);

    // The aggregate "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal
    // (guest and guest_nice are already counted in user and nice). Busy is what this machine's
    // CPUs ran: user + nice + system + irq + softirq. Steal is time the hypervisor gave to other
    // guests while this one wanted to run: it is nobody's work here, so it is kept apart.
    public static MachineSample ReadMachine()
    {
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => i < fields.Length ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
            long busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7);
            return new MachineSample(busy, Field(8));
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

    public readonly record struct MachineSample(long BusyTicks, long StealTicks);
}
