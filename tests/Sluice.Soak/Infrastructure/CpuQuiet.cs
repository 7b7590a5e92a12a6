using System.Globalization;

namespace Sluice.Soak.Infrastructure;

// Whether the machine has a core to spare. The slow-disk property is about disk waits (seconds on
// the throttled disk); on a 2-core machine shared with other test processes, a socket thread that
// is merely not scheduled for tens of milliseconds looks the same from the client. So the probes
// start once at least half the machine's CPU time is idle over a short window — waiting a bounded
// time, after which they run anyway and the failure message carries the figure.
internal static class CpuQuiet
{
    // Waits until the idle share of the machine's CPU time (idle + iowait, over `window`) reaches
    // `idleShare`, at most `max`. Returns the last share measured.
    public static async Task<double> WaitAsync(double idleShare, TimeSpan window, TimeSpan max)
    {
        long deadline = Environment.TickCount64 + (long)max.TotalMilliseconds;
        while (true)
        {
            double share = await IdleShareAsync(window);
            if (share >= idleShare || Environment.TickCount64 >= deadline)
            {
                return share;
            }
        }
    }

    public static async Task<double> IdleShareAsync(TimeSpan window)
    {
        (long idle0, long total0) = Read();
        await Task.Delay(window);
        (long idle1, long total1) = Read();
        return total1 == total0 ? 1.0 : (double)(idle1 - idle0) / (total1 - total0);
    }

    // The first line of /proc/stat: user nice system idle iowait irq softirq steal …; steal is time
    // the hypervisor gave to another guest, not ours to use, so it is left out of the total.
    // The idle share between two Read()s.
    public static double IdleShare((long Idle, long Total) from, (long Idle, long Total) to) =>
        to.Total == from.Total ? 1.0 : (double)(to.Idle - from.Idle) / (to.Total - from.Total);

    public static (long Idle, long Total) Read()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] v = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        long idle = v[3] + v[4];
        long total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6];
        return (idle, total);
    }
}
