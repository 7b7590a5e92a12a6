using System.Globalization;
using System.Text;
using Sluice.Core.Units;

namespace Sluice.Cli.Bench;

// `sluice bench --upload`: the same body uploaded with PUT to a fresh `sluice serve --upload
// --receive-strategy S` per run, for each receive strategy, rounds interleaved (strategy order
// within a round rotates, so none always runs first on a cold machine). Per run: MB/s until the
// response (after the server's fsync), whole-machine busy CPU per GiB (/proc/stat: on loopback
// the kernel charges receive work to whichever task runs, so the server's own CPU misleads), the
// server's CPU per GiB, and page-cache growth (/proc/meminfo Cached before the PUT and after the
// response: the upload's pages still cached once it is durable). With --strace, one extra traced
// upload per strategy and round counts every system call of the server (timings never come from it).
// The uploaded file is checked by SHA-256 after each run and deleted (which frees its pages).
internal static class UploadBench
{
    public static readonly string[] Strategies = ["buffered", "splice", "dontcache", "direct"];

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(long size, string? directory, int rounds, bool strace, TextWriter progress, CancellationToken cancellationToken)
    {
        string? straceExecutable = strace ? StraceCounter.FindExecutable() : null;
        if (strace && straceExecutable is null)
        {
            await progress.WriteLineAsync("sluice bench: --strace: strace is not installed; no system call counts").ConfigureAwait(false);
        }

        string root = Path.Combine(directory ?? "/var/tmp", $"sluice-bench-upload-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var runs = new List<UploadRun>();
        try
        {
            string expected = UploadClient.ExpectedSha256(size);
            MachineInfo machine = MachineInfo.Describe(root);
            await progress.WriteLineAsync($"sluice bench --upload: {ByteSize.Format(size)} per PUT into {root}; {machine}").ConfigureAwait(false);
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < Strategies.Length; i++)
                {
                    string strategy = Strategies[(i + round) % Strategies.Length];
                    cancellationToken.ThrowIfCancellationRequested();
                    await progress.WriteAsync($"round {round + 1}/{rounds} {strategy} ... ").ConfigureAwait(false);
                    UploadRun run = await MeasureAsync(root, strategy, round, size, expected, straceExecutable, cancellationToken).ConfigureAwait(false);
                    runs.Add(run);
                    await progress.WriteLineAsync($"{run.MbPerSec:N0} MB/s").ConfigureAwait(false);
                }
            }

            Console.WriteLine();
            Console.WriteLine($"sluice bench --upload: {ByteSize.Format(size)} PUT over loopback, fresh server per run, {rounds} round{(rounds == 1 ? "" : "s")}: each cell is the median (min–max) over the rounds");
            Console.WriteLine($"machine: {machine}");
            Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine();
            Console.Write(Render(runs));
            Console.WriteLine();
            Console.WriteLine("MB/s: until the response, which the server sends after fsync of the file and its directory; machine busy: /proc/stat without steal (client included);");
            Console.WriteLine("page cache +MiB: /proc/meminfo Cached after the response minus before the PUT; syscalls/GiB: strace -f -c of the server on a separate upload.");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<UploadRun> MeasureAsync(string root, string strategy, int round, long size, string expected, string? strace, CancellationToken cancellationToken)
    {
        string target = Path.Combine(root, "upload.bin");
        double? callsPerGiB = null;
        await using (ServerProcess server = await ServerProcess.StartAsync(root, "auto", cancellationToken, ["--upload", "--receive-strategy", strategy]).ConfigureAwait(false))
        {
            if (strace is not null)
            {
                StraceCounter counter = await StraceCounter.AttachAsync(strace, server.Pid, Path.Combine(root, "strace.txt")).ConfigureAwait(false);
                UploadClient.Put(server.Endpoint, "traced.bin", size, s_timeout);
                StraceCounter.StraceSummary summary = await counter.DetachAsync().ConfigureAwait(false);
                callsPerGiB = summary.TotalCalls * (double)(1L << 30) / size;
                File.Delete(Path.Combine(root, "traced.bin"));
                File.Delete(Path.Combine(root, "strace.txt"));
            }

            Sluice.Server.Metrics.ProcessStats serverBefore = ProcStats.ReadProcess(server.Pid);
            ProcStats.MachineSample machineBefore = ProcStats.ReadMachine();
            long cachedBefore = ProcStats.ReadCachedBytes();
            UploadClient.Upload upload = UploadClient.Put(server.Endpoint, "upload.bin", size, s_timeout);
            long cachedAfter = ProcStats.ReadCachedBytes();
            ProcStats.MachineSample machineAfter = ProcStats.ReadMachine();
            Sluice.Server.Metrics.ProcessStats serverAfter = ProcStats.ReadProcess(server.Pid);
            await server.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

            double gib = size / (double)(1L << 30);
            double machineMs = (machineAfter.BusyTicks - machineBefore.BusyTicks) * 1000 / ProcStats.TicksPerSecond / gib;
            double serverMs = ((serverAfter.UserTicks + serverAfter.SystemTicks) - (serverBefore.UserTicks + serverBefore.SystemTicks)) * 1000 / ProcStats.TicksPerSecond / gib;
            string actual = Sha256OfFile(target);
            if (actual != expected)
            {
                throw new InvalidDataException($"the file uploaded with {strategy} differs from the body sent (sha256 {actual}, expected {expected})");
            }

            File.Delete(target);
            return new UploadRun(strategy, round, upload.Bytes, upload.Seconds, machineMs, serverMs, (cachedAfter - cachedBefore) / 1048576.0, callsPerGiB);
        }
    }

    private static string Sha256OfFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    // The download table's format: one row per strategy, median (min–max) per figure.
    internal static string Render(IReadOnlyList<UploadRun> runs)
    {
        List<string[]> rows = Strategies
            .Where(s => runs.Any(r => r.Strategy == s))
            .Select(s =>
            {
                UploadRun[] of = runs.Where(r => r.Strategy == s).ToArray();
                Spread calls = Spread.Of(of.Where(r => r.StraceCallsPerGiB is not null).Select(r => r.StraceCallsPerGiB!.Value));
                return (string[])[
                    s,
                    Spread.Of(of.Select(r => r.MbPerSec)).Format("N0"),
                    Spread.Of(of.Select(r => r.MachineCpuMsPerGiB)).Format("N0"),
                    Spread.Of(of.Select(r => r.ServerCpuMsPerGiB)).Format("N0"),
                    calls.Format("N0"),
                    Spread.Of(of.Select(r => r.PageCacheGrowthMiB)).Format("+0;-0;0"),
                    of.Length.ToString(CultureInfo.InvariantCulture),
                ];
            }).ToList();
        var b = new StringBuilder();
        ResultTable.AppendTable(b, ["receive", "MB/s", "machine busy ms/GiB", "srv CPU ms/GiB", "syscalls/GiB (strace)", "page cache +MiB", "rounds"], rows);
        return b.ToString();
    }
}
