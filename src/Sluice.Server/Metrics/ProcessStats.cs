using System.Globalization;

namespace Sluice.Server.Metrics;

// CPU time and context switches of a process, read from /proc (proc(5)).
public readonly record struct ProcessStats(double UserSeconds, double SystemSeconds, long VoluntarySwitches, long InvoluntarySwitches)
{
    // USER_HZ is 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100.0;

    public static ProcessStats ReadSelf() => Read("self");

    public static ProcessStats Read(string pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesized command name, which may itself contain spaces.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double user = long.Parse(fields[11], CultureInfo.InvariantCulture) / ClockTicksPerSecond;
        double system = long.Parse(fields[12], CultureInfo.InvariantCulture) / ClockTicksPerSecond;
        long voluntary = 0;
        long involuntary = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                voluntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                involuntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return new ProcessStats(user, system, voluntary, involuntary);
    }
}
