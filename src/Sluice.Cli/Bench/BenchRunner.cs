using System.Globalization;
using Sluice.Server.Metrics;

namespace Sluice.Cli.Bench;

// Runs every strategy × cache state (× --repeat rounds, interleaved so that a noisy phase of the
// machine hits every strategy alike). Each run gets a fresh server process:
//   prepare the cache state → sample /metrics and /proc → one GET → sample again → SIGTERM.
// Samples are taken as close to the transfer as possible and the metrics scrapes sit outside the
// /proc window, so the server's figures are the transfer's alone.
internal sealed class BenchRunner
{
    private const double GiB = 1L << 30;
    private static readonly TimeSpan s_transferTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    private readonly BenchOptions _options;
    private readonly TextWriter _progress;
    private readonly string? _strace;

    public BenchRunner(BenchOptions options, TextWriter progress, string? strace)
    {
        _options = options;
        _progress = progress;
        _strace = strace;
    }

    public async Task<List<BenchResult>> RunAsync(TestFile file, TestFile warmup, CancellationToken cancellationToken)
    {
        var results = new List<BenchResult>();
        int total = _options.Repeat * _options.Strategies.Count * _options.CacheStates.Count;
        for (int round = 1; round <= _options.Repeat; round++)
        {
            foreach (string strategy in _options.Strategies)
            {
                foreach (string cache in _options.CacheStates)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    string label = $"[{results.Count + 1}/{total}] {strategy} {cache}" + (_options.Repeat > 1 ? $" (round {round})" : "");
                    _progress.Write($"sluice bench: {label} ... ");
                    BenchResult result = await RunOneAsync(file, warmup, strategy, cache, round, cancellationToken).ConfigureAwait(false);
                    results.Add(result);
                    string chose = strategy == "auto" ? $", auto chose {result.ChosenStrategy}" : "";
                    string traced = result.StraceCalls is long calls ? FormattableString.Invariant($", strace {calls:N0} system calls") : "";
                    _progress.WriteLine(FormattableString.Invariant(
                        $"{result.MbPerSec:0} MB/s, {result.DataPathCalls:N0} data-path calls, server {result.CpuMs:0.0} ms CPU, machine {result.MachineCpuMs:0} ms (+{result.MachineStealMs:0} steal), file cache {result.FileCacheMiB:+0;-0;0} MiB{chose}{traced}"));
                }
            }
        }

        return results;
    }

    private async Task<BenchResult> RunOneAsync(TestFile file, TestFile warmup, string strategy, string cache, int round, CancellationToken cancellationToken)
    {
        await using ServerProcess server = await ServerProcess.StartAsync(file.Directory, strategy, cancellationToken).ConfigureAwait(false);

        if (cache == "warm")
        {
            // Once through the server: JIT-compiles the path and fills the cache — except that
            // direct and dontcache leave nothing cached, so finish the job with a plain read.
            BenchClient.Get(server.Endpoint, file.Name, s_transferTimeout);
            if (file.Residency() < 0.999)
            {
                file.ReadThroughCache();
            }
        }
        else
        {
            // Compile the server's cold path on another (evicted) file, then evict the test file.
            warmup.Evict();
            BenchClient.Get(server.Endpoint, warmup.Name, s_transferTimeout);
            if (!file.Evict())
            {
                throw new IOException($"posix_fadvise(DONTNEED) failed on {file.FullPath}");
            }
        }

        double residencyBefore = file.Residency();
        // One GET so far: the warm-up (or the cold path's compile run).
        MetricsScraper metricsBefore = await MetricsScraper.ScrapeAfterAsync(server.MetricsEndpoint, 1, cancellationToken).ConfigureAwait(false);
        ProcessStats processBefore = ProcStats.ReadProcess(server.Pid);
        ProcStats.MachineSample machineBefore = ProcStats.ReadMachine();
        long cachedBefore = ProcStats.ReadCachedBytes();

        BenchClient.Download download = BenchClient.Get(server.Endpoint, file.Name, s_transferTimeout);

        long cachedAfter = ProcStats.ReadCachedBytes();
        ProcStats.MachineSample machineAfter = ProcStats.ReadMachine();
        ProcessStats processAfter = ProcStats.ReadProcess(server.Pid);
        MetricsScraper metricsAfter = await MetricsScraper.ScrapeAfterAsync(server.MetricsEndpoint, 2, cancellationToken).ConfigureAwait(false);
        double residencyAfter = file.Residency();

        StraceCounter.StraceSummary? strace = null;
        long? tracedCounterCalls = null;
        if (_strace is not null)
        {
            try
            {
                (strace, tracedCounterCalls) = await TraceOneTransferAsync(server, file, cache, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
            {
                // ptrace may be forbidden (yama ptrace_scope, containers); the run stands without it.
                _progress.Write($"(strace failed: {ex.Message}) ");
            }
        }

        int exit = await server.StopAsync(s_stopTimeout).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"sluice serve --strategy {strategy} exited with {exit}: {server.Stderr}");
        }

        Dictionary<string, long> byKind = MetricsScraper.Delta(metricsBefore, metricsAfter, "sluice_syscalls_total", "kind");
        Dictionary<string, long> decisions = MetricsScraper.Delta(metricsBefore, metricsAfter, "sluice_decisions_total", "strategy");
        Dictionary<string, long> reasons = MetricsScraper.Delta(metricsBefore, metricsAfter, "sluice_decisions_total", "reason");
        string? chosen = decisions.Count == 0 ? null : decisions.MaxBy(d => d.Value).Key;
        long calls = byKind.Values.Sum();
        double gib = download.Bytes / GiB;
        if (processBefore.CpuNanoseconds < 0 || processAfter.CpuNanoseconds < 0)
        {
            throw new InvalidOperationException($"the CPU clock of pid {server.Pid} could not be read");
        }

        double cpuMs = (processAfter.CpuNanoseconds - processBefore.CpuNanoseconds) / 1e6;
        double userMs = (processAfter.UserTicks - processBefore.UserTicks) * 1000 / ProcStats.TicksPerSecond;
        double sysMs = (processAfter.SystemTicks - processBefore.SystemTicks) * 1000 / ProcStats.TicksPerSecond;
        double machineMs = (machineAfter.BusyTicks - machineBefore.BusyTicks) * 1000 / ProcStats.TicksPerSecond;
        double stealMs = (machineAfter.StealTicks - machineBefore.StealTicks) * 1000 / ProcStats.TicksPerSecond;
        long voluntary = processAfter.VoluntarySwitches - processBefore.VoluntarySwitches;
        long involuntary = processAfter.InvoluntarySwitches - processBefore.InvoluntarySwitches;
        ProcessIo ioBefore = processBefore.Io;
        ProcessIo ioAfter = processAfter.Io;

        return new BenchResult
        {
            Strategy = strategy,
            Cache = cache,
            Round = round,
            Bytes = download.Bytes,
            Seconds = download.Elapsed.TotalSeconds,
            MbPerSec = download.Bytes / download.Elapsed.TotalSeconds / 1e6,
            DataPathCalls = calls,
            DataPathCallsPerGiB = calls / gib,
            DataPathCallsByKind = byKind,
            KernelReadCalls = ioAfter.ReadCalls - ioBefore.ReadCalls,
            KernelWriteCalls = ioAfter.WriteCalls - ioBefore.WriteCalls,
            DiskReadMiB = (ioAfter.StorageReadBytes - ioBefore.StorageReadBytes) / (double)(1 << 20),
            ContextSwitches = voluntary + involuntary,
            VoluntarySwitches = voluntary,
            InvoluntarySwitches = involuntary,
            ContextSwitchesPerGiB = (voluntary + involuntary) / gib,
            CpuMs = cpuMs,
            CpuMsPerGiB = cpuMs / gib,
            CpuUserTickMs = userMs,
            CpuSysTickMs = sysMs,
            MachineCpuMs = machineMs,
            MachineCpuMsPerGiB = machineMs / gib,
            MachineStealMs = stealMs,
            PageCacheMiB = (cachedAfter - cachedBefore) / (double)(1 << 20),
            FileCacheMiB = (residencyAfter - residencyBefore) * download.Bytes / (1 << 20),
            ResidencyBefore = residencyBefore,
            ResidencyAfter = residencyAfter,
            ChosenStrategy = chosen,
            ChosenReason = reasons.Count == 0 ? null : reasons.MaxBy(r => r.Value).Key,
            ModelCopiesPerByte = BenchResult.ModelCopies(strategy == "auto" && chosen is not null ? chosen : strategy),
            StraceCalls = strace?.TotalCalls,
            StraceDataPathCalls = strace?.DataPathCalls,
            TracedCounterCalls = tracedCounterCalls,
            StraceByCall = strace?.Calls.ToDictionary(c => c.Key, c => c.Value),
        };
    }

    // A second transfer in the same cache state under strace -f -c, with the server's own
    // counters sampled around it for comparison.
    private async Task<(StraceCounter.StraceSummary Summary, long CounterCalls)> TraceOneTransferAsync(
        ServerProcess server, TestFile file, string cache, CancellationToken cancellationToken)
    {
        if (cache == "cold")
        {
            file.Evict();
        }

        string output = Path.Combine(Path.GetTempPath(), $"sluice-bench-strace-{Environment.ProcessId}-{server.Pid}.txt");
        try
        {
            MetricsScraper before = await MetricsScraper.ScrapeAfterAsync(server.MetricsEndpoint, 2, cancellationToken).ConfigureAwait(false);
            StraceCounter tracer = await StraceCounter.AttachAsync(_strace!, server.Pid, output).ConfigureAwait(false);
            BenchClient.Get(server.Endpoint, file.Name, TimeSpan.FromMinutes(5));
            StraceCounter.StraceSummary summary = await tracer.DetachAsync().ConfigureAwait(false);
            MetricsScraper after = await MetricsScraper.ScrapeAfterAsync(server.MetricsEndpoint, 3, cancellationToken).ConfigureAwait(false);
            long counted = MetricsScraper.Delta(before, after, "sluice_syscalls_total", "kind").Values.Sum();
            return (summary, counted);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
