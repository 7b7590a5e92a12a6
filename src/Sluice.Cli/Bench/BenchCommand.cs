using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sluice.Cli.Commands;
using Sluice.Core.Units;

namespace Sluice.Cli.Bench;

// `sluice bench`: binds and validates arguments, creates the test file, runs BenchRunner, prints
// the table and the seed-claims check, writes --json and --chart, and removes what it created.
// Progress goes to stderr; the results go to stdout.
public static class BenchCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Size of the test file (bytes, or with K/M/G suffix; binary units).", HelpName = "SIZE", DefaultValueFactory = _ => "320MiB" };
        var dir = new Option<DirectoryInfo?>("--dir")
        {
            HelpName = "DIR",
            Description = "Directory for the test file (default: a temporary directory under /var/tmp; it must not be tmpfs for cold runs to mean anything).",
        };
        var strategies = new Option<string>("--strategies")
        {
            HelpName = "LIST",
            Description = "Comma-separated strategies to compare: buffered, copy, sendfile, direct, dontcache, auto.",
            DefaultValueFactory = _ => string.Join(',', BenchOptions.AllStrategies),
        };
        var cache = new Option<string>("--cache")
        {
            HelpName = "LIST",
            Description = "Comma-separated page-cache states: warm (file read once before), cold (evicted right before the run).",
            DefaultValueFactory = _ => string.Join(',', BenchOptions.AllCacheStates),
        };
        var repeat = new Option<int>("--repeat") { Description = "Rounds over all runs (interleaved); every figure is shown as the median with its min–max over the rounds.", HelpName = "N", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the summary (median, min, max per figure), the verdicts and every run as JSON to FILE.", HelpName = "FILE" };
        var chart = new Option<FileInfo?>("--chart") { Description = "Draw a chart comparing the strategies to FILE (.png or .svg).", HelpName = "FILE" };
        var upload = new Option<bool>("--upload") { Description = "Measure uploads instead: a PUT of --size (default 1GiB) to `sluice serve --upload --receive-strategy S` for each receive strategy (buffered, splice, dontcache, direct): MB/s, machine CPU per GiB, page-cache growth, and with --strace system calls per GiB." };
        var strace = new Option<bool>("--strace") { Description = "Also count every system call of the server with strace -f -c, on one extra transfer per run (needs strace); the seed's call-count claims are checked only with it." };

        CliValues.Number(repeat, "a whole number of rounds such as 3");

        var command = new Command("bench", "Send one test file over loopback with each strategy, warm and cold, and measure data-path calls (and with --strace all system calls), context switches, CPU per GiB, throughput and page-cache growth.")
        {
            size, dir, strategies, cache, repeat, json, chart, strace,
            upload,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            if (!ByteSize.TryParse(parse.GetValue(size)!, out long bytes) || bytes <= 0)
            {
                errors.Add("--size takes a positive size such as 8MiB or 320MiB");
            }

            List<string> strategyList = SplitList(parse.GetValue(strategies)!, BenchOptions.AllStrategies, "--strategies", errors);
            List<string> cacheList = SplitList(parse.GetValue(cache)!, BenchOptions.AllCacheStates, "--cache", errors);
            int rounds = parse.GetValue(repeat);
            if (rounds < 1)
            {
                errors.Add("--repeat must be at least 1");
            }

            FileInfo? chartFile = parse.GetValue(chart);
            if (chartFile is not null && !ChartSupport.Available)
            {
                errors.Add(ChartSupport.MissingMessage);
            }
            else if (chartFile is not null && chartFile.Extension.ToLowerInvariant() is not (".png" or ".svg"))
            {
                errors.Add("--chart takes a file name ending in .png or .svg");
            }

            DirectoryInfo? directory = parse.GetValue(dir);
            if (directory is not null && !directory.Exists)
            {
                errors.Add($"--dir {directory.FullName} does not exist");
            }

            if (errors.Count > 0)
            {
                foreach (string error in errors)
                {
                    await Console.Error.WriteLineAsync($"sluice bench: {error}").ConfigureAwait(false);
                }

                return 2;
            }

            if (parse.GetValue(upload))
            {
                long uploadBytes = parse.GetResult(size) is { Implicit: false } ? bytes : 1L << 30;
                return await UploadBench.RunAsync(uploadBytes, directory?.FullName, rounds, parse.GetValue(strace), Console.Error, cancellationToken).ConfigureAwait(false);
            }

            var options = new BenchOptions(bytes, directory?.FullName, strategyList, cacheList, rounds,
                parse.GetValue(json)?.FullName, chartFile?.FullName, parse.GetValue(strace));
            return await RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        TextWriter progress = Console.Error;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl-C stops after the transfer in flight, so the servers are stopped and the test file removed.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        string? strace = null;
        if (options.Strace)
        {
            strace = StraceCounter.FindExecutable();
            if (strace is null)
            {
                await progress.WriteLineAsync("sluice bench: --strace: strace is not installed; counting with the server's own counters only").ConfigureAwait(false);
            }
        }

        var clock = Stopwatch.StartNew();
        await progress.WriteLineAsync($"sluice bench: creating a {ByteSize.Format(options.Size)} test file of random bytes ...").ConfigureAwait(false);
        List<BenchResult> results;
        MachineInfo machine;
        try
        {
            (results, machine) = await MeasureAsync(options, strace, progress, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await progress.WriteLineAsync("\nsluice bench: interrupted; test file removed").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException
            or TimeoutException or System.Net.Sockets.SocketException or System.ComponentModel.Win32Exception)
        {
            await progress.WriteLineAsync($"\nsluice bench: error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        List<BenchSummary> rows = BenchSummary.Summarize(results);
        bool straced = results.Any(r => r.StraceCalls is not null);
        List<ClaimVerdict> verdicts = SeedClaims.Evaluate(rows, options.Size);
        string load = File.ReadAllText("/proc/loadavg").Trim();
        Console.WriteLine();
        Console.WriteLine($"sluice bench: {ByteSize.Format(options.Size)} file over loopback, one GET per run, fresh server per run, " +
            $"{options.Repeat} round{(options.Repeat == 1 ? "" : "s")}: each cell is the median (min–max) over the rounds");
        Console.WriteLine($"machine: {machine}");
        Console.WriteLine($"load average at the end: {load} (whole-machine CPU counts any other work running meanwhile; steal is time other guests took)");
        Console.WriteLine();
        Console.Write(ResultTable.Render(rows, straced));
        Console.WriteLine();
        Console.WriteLine("data-path calls: the server's own counters of the calls its mechanisms issue (pread, send, sendfile, …), not every system call" +
            (straced ? "; strace columns: every system call of the server on a separate traced transfer, the data-path subset of them (" +
                string.Join(", ", StraceCounter.DataPathCalls.Order(StringComparer.Ordinal)) + "), and the server's counters over that same transfer." : "; run with --strace for the total."));
        Console.WriteLine("kernel read calls and disk read: /proc/PID/io (syscr, read_bytes); srv CPU: the server's CPU clock (ns, all threads); machine busy: /proc/stat without steal.");
        Console.WriteLine();
        Console.Write(SeedClaims.Render(verdicts));
        Console.WriteLine();
        Console.WriteLine(SeedClaims.LoopbackNote);

        if (options.JsonPath is not null)
        {
            var report = new BenchReport
            {
                Command = string.Join(' ', Environment.GetCommandLineArgs().Select(a => Path.GetFileName(a) == "sluice.dll" ? "sluice" : a)),
                Machine = machine.ToString(),
                LoadAverage = load,
                Size = options.Size,
                Rounds = options.Repeat,
                Strace = straced,
                Summary = rows,
                Verdicts = verdicts,
                Runs = results,
            };
            await using FileStream stream = File.Create(options.JsonPath);
            await JsonSerializer.SerializeAsync(stream, report, BenchJsonContext.Default.BenchReport, CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine($"wrote {options.JsonPath}");
        }

        if (options.ChartPath is not null)
        {
            ChartSupport.Write(options.ChartPath, rows, options.Size,
                $"sluice bench: {ByteSize.Format(options.Size)} over loopback, by strategy and page-cache state; bars: median of {options.Repeat} rounds, whiskers: min–max",
                $"{machine}. Loopback: the receiver copies every byte, so compare CPU/GiB and calls/GiB, not only MB/s.");
            Console.WriteLine($"wrote {options.ChartPath}");
        }

        Console.WriteLine($"bench took {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    // The test files exist only inside this method: however it ends, they are removed.
    private static async Task<(List<BenchResult> Results, MachineInfo Machine)> MeasureAsync(
        BenchOptions options, string? strace, TextWriter progress, CancellationToken cancellationToken)
    {
        using TestFile file = TestFile.Create(options.Directory, options.Size, progress);
        using TestFile warmup = file.CreateSibling($"sluice-bench-{Environment.ProcessId}-warmup.bin", 8L << 20);
        MachineInfo machine = MachineInfo.Describe(file.Directory);
        await progress.WriteLineAsync($"sluice bench: {file.FullPath}; {machine}").ConfigureAwait(false);
        List<BenchResult> results = await new BenchRunner(options, progress, strace).RunAsync(file, warmup, cancellationToken).ConfigureAwait(false);
        return (results, machine);
    }

    private static List<string> SplitList(string text, string[] allowed, string option, List<string> errors)
    {
        List<string> items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).Distinct().ToList();
        foreach (string item in items.Where(i => !allowed.Contains(i)))
        {
            errors.Add($"{option}: unknown value '{item}' (expected {string.Join(", ", allowed)})");
        }

        if (items.Count == 0)
        {
            errors.Add($"{option} needs at least one of {string.Join(", ", allowed)}");
        }

        return items;
    }
}
