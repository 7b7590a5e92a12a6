using System.Globalization;

namespace Sluice.Server.Metrics;

// CPU time and context switches of a process, read from /proc (proc(5)). Times are clock ticks of
// USER_HZ, which is 100 on every Linux ABI .NET runs on.
public readonly record struct ProcessStats(long UserTicks, long SystemTicks, long VoluntarySwitches, long InvoluntarySwitches)
{
    public const double TicksPerSecond = 100.0;

    public double UserSeconds => UserTicks / TicksPerSecond;

    public double SystemSeconds => SystemTicks / TicksPerSecond;

    public static ProcessStats ReadSelf() => Read("self");

    // utime and stime of /proc/PID/stat cover every thread, live or exited. Context switches are
    // summed over /proc/PID/task/*/status: /proc/PID/status alone reports only the main thread's,
    // and the server's work happens on other threads.
    public static ProcessStats Read(string pid)
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

        return new ProcessStats(user, system, voluntary, involuntary);
    }

    private static long ValueAfterColon(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
}
