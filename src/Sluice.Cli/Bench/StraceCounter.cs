using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Bench;

// `strace -f -c -p PID -o FILE` attached to the server for one transfer: an outside count of
// every system call, to set against the server's own counters. ptrace stops the tracee on each
// call, so a traced transfer is slow; the bench traces a separate, repeated transfer and never
// takes timings from it.
internal sealed class StraceCounter
{
    // strace's names for the calls the server's data-path counters count (SyscallKind): the
    // subset of strace's total that the counters claim to see.
    public static readonly HashSet<string> DataPathCalls = new(StringComparer.Ordinal)
    {
        "pread64", "preadv2", "sendfile", "sendfile64", "sendto", "send", "epoll_ctl", "readahead", "cachestat", "fadvise64",
    };

    private static readonly Regex s_attachedWith = new(@"attached with (\d+) threads", RegexOptions.CultureInvariant);

    private readonly Process _process;
    private readonly string _output;
    private readonly StringBuilder _stderr = new();
    private int _attached;

    private StraceCounter(Process process, string output)
    {
        _process = process;
        _output = output;
    }

    public static string? FindExecutable()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, "strace");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // Returns once strace reports every thread that the server had at attach time as attached.
    public static async Task<StraceCounter> AttachAsync(string strace, int pid, string outputFile)
    {
        int threads = Directory.GetDirectories($"/proc/{pid}/task").Length;
        var start = new ProcessStartInfo(strace)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-f", "-c", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", outputFile])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var counter = new StraceCounter(process, outputFile);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (counter._stderr)
            {
                counter._stderr.AppendLine(e.Data);
            }

            // "Process N attached with M threads" for a multi-threaded tracee, else one
            // "Process N attached" per thread.
            Match match = s_attachedWith.Match(e.Data);
            if (match.Success)
            {
                Interlocked.Add(ref counter._attached, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            else if (e.Data.Contains(" attached", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref counter._attached);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        long deadline = Environment.TickCount64 + 10_000;
        while (Volatile.Read(ref counter._attached) < threads && !process.HasExited && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        if (process.HasExited || Volatile.Read(ref counter._attached) == 0)
        {
            throw new InvalidOperationException($"strace could not attach to pid {pid}: {counter.Stderr}");
        }

        return counter;
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString().Trim();
            }
        }
    }

    // SIGINT makes strace detach and write the -c summary.
    public async Task<StraceSummary> DetachAsync()
    {
        await Signal.SendAsync(_process.Id, "INT").ConfigureAwait(false);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill();
            throw new TimeoutException("strace did not detach within 30 s");
        }
        finally
        {
            _process.Dispose();
        }

        return Parse(await File.ReadAllLinesAsync(_output).ConfigureAwait(false));
    }

    // strace -c table: "% time  seconds  usecs/call  calls  errors  syscall"; errors may be blank.
    public static StraceSummary Parse(IEnumerable<string> lines)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            string name = fields[^1];
            if (name != "total" && long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long count))
            {
                calls[name] = count;
            }
        }

        long dataPath = calls.Where(c => DataPathCalls.Contains(c.Key)).Sum(c => c.Value);
        return new StraceSummary(calls.Values.Sum(), dataPath, calls);
    }

    // DataPathCalls: how many of TotalCalls are of the kinds in the set DataPathCalls.
    public sealed record StraceSummary(long TotalCalls, long DataPathCalls, IReadOnlyDictionary<string, long> Calls);
}
