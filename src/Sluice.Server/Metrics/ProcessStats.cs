using System.Globalization;
using Sluice.Interop.Pal;

namespace Sluice.Server.Metrics;

// CPU time, context switches and I/O counters of a process: the one reader of a process's figures,
// behind /metrics and `sluice bench`. UserTicks and SystemTicks are clock ticks of USER_HZ (100 on
// every Linux ABI .NET runs on), too coarse for a transfer of a fraction of a second; CpuNanoseconds
// is the process's CPU clock (all threads, exited ones included), -1 where the kernel refused it.
public readonly record struct ProcessStats(
    long UserTicks, long SystemTicks, long CpuNanoseconds, long VoluntarySwitches, long InvoluntarySwitches, ProcessIo Io)
{
    public const double TicksPerSecond = 100.0;

    public double UserSeconds => UserTicks / TicksPerSecond;

    public double SystemSeconds => SystemTicks / TicksPerSecond;

    public static ProcessStats ReadSelf() => Read(Environment.ProcessId);

    // utime and stime of /proc/PID/stat cover every thread, live or exited. Context switches are
    // summed over /proc/PID/task/*/status: /proc/PID/status alone reports only the main thread's,
    // and the server's work happens on other threads (switches of exited threads are lost).
    public static ProcessStats Read(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesized command name, which may itself contain spaces; utime and
        // stime are fields 14 and 15 of the line, 12 and 13 after the name.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long system = long.Parse(fields[12], CultureInfo.InvariantCulture);
        long cpu = ProcessPal.TryGetCpuTime(pid, out long nanoseconds) ? nanoseconds : -1;

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

        return new ProcessStats(user, system, cpu, voluntary, involuntary, ReadIo(pid));
    }

    // /proc/PID/io (all threads, exited ones included): syscr counts read-family calls (read,
    // pread64, preadv2 … and sendfile, which also counts in syscw); syscw counts write-family calls
    // on files and sockets, but not send/sendto/sendmsg; read_bytes is what the process made the
    // block layer fetch. Unreadable without ptrace read access: then Available is false.
    private static ProcessIo ReadIo(int pid)
    {
        long syscr = 0, syscw = 0, readBytes = 0, rchar = 0, wchar = 0;
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/io"))
            {
                long value = ValueAfterColon(line);
                switch (line[..line.IndexOf(':')])
                {
                    case "syscr": syscr = value; break;
                    case "syscw": syscw = value; break;
                    case "read_bytes": readBytes = value; break;
                    case "rchar": rchar = value; break;
                    case "wchar": wchar = value; break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default;
        }

        return new ProcessIo(true, syscr, syscw, readBytes, rchar, wchar);
    }

    private static long ValueAfterColon(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
}

