using System.Text.Json.Serialization;

namespace Sluice.Cli.Bench;

// One strategy × cache state over all rounds: every figure as its median and min–max. This is
// what the table, the chart, the seed-claim verdicts and the "summary" of --json show.
internal sealed class BenchSummary
{
    public required string Strategy { get; init; }

    public required string Cache { get; init; }

    public int Rounds { get; init; }

    // auto only: what the policy chose, over all rounds ("direct", or "direct/sendfile" if it varied).
    public string? ChosenStrategy { get; init; }

    public string? ChosenReason { get; init; }

    public int ModelCopiesPerByte { get; init; }

    public Spread MbPerSec { get; init; }

    public Spread DataPathCalls { get; init; }

    public Spread DataPathCallsPerGiB { get; init; }

    public Dictionary<string, Spread> DataPathCallsByKind { get; init; } = [];

    public Spread KernelReadCalls { get; init; }

    public Spread DiskReadMiB { get; init; }

    public Spread VoluntarySwitches { get; init; }

    public Spread InvoluntarySwitches { get; init; }

    public Spread ContextSwitchesPerGiB { get; init; }

    public Spread CpuMs { get; init; }

    public Spread CpuMsPerGiB { get; init; }

    public Spread MachineCpuMsPerGiB { get; init; }

    public Spread MachineStealMs { get; init; }

    public Spread PageCacheMiB { get; init; }

    public Spread FileCacheMiB { get; init; }

    public Spread ResidencyAfter { get; init; }

    // Null without --strace (or when strace could not attach).
    public Spread? StraceCalls { get; init; }

    public Spread? StraceDataPathCalls { get; init; }

    public Spread? TracedCounterCalls { get; init; }

    public Dictionary<string, Spread> StraceByCall { get; init; } = [];

    [JsonIgnore]
    public string Label => Strategy == "auto" && ChosenStrategy is not null ? $"auto→{ChosenStrategy}" : Strategy;

    // Groups the runs by strategy × cache state, in the order they first ran.
    public static List<BenchSummary> Summarize(IReadOnlyList<BenchResult> runs) =>
        runs.GroupBy(r => (r.Strategy, r.Cache)).Select(g => Of(g.ToList())).ToList();

    public static BenchSummary Of(IReadOnlyList<BenchResult> runs)
    {
        Spread S(Func<BenchResult, double> value) => Spread.Of(runs.Select(value));
        Spread? Traced(Func<BenchResult, long?> value)
        {
            Spread spread = Spread.Of(runs.Select(value).OfType<long>().Select(v => (double)v));
            return spread.IsEmpty ? null : spread;
        }

        Dictionary<string, Spread> ByKey(Func<BenchResult, Dictionary<string, long>?> map)
        {
            List<Dictionary<string, long>> maps = runs.Select(map).OfType<Dictionary<string, long>>().ToList();
            return maps.SelectMany(m => m.Keys).Distinct().Order(StringComparer.Ordinal)
                .ToDictionary(k => k, k => Spread.Of(maps.Select(m => (double)m.GetValueOrDefault(k))));
        }

        List<string> chosen = runs.Select(r => r.ChosenStrategy).OfType<string>().Distinct().ToList();
        List<string> reasons = runs.Select(r => r.ChosenReason).OfType<string>().Distinct().ToList();
        return new BenchSummary
        {
            Strategy = runs[0].Strategy,
            Cache = runs[0].Cache,
            Rounds = runs.Count,
            ChosenStrategy = chosen.Count == 0 ? null : string.Join('/', chosen),
            ChosenReason = reasons.Count == 0 ? null : string.Join('/', reasons),
            ModelCopiesPerByte = runs[0].ModelCopiesPerByte,
            MbPerSec = S(r => r.MbPerSec),
            DataPathCalls = S(r => r.DataPathCalls),
            DataPathCallsPerGiB = S(r => r.DataPathCallsPerGiB),
            DataPathCallsByKind = ByKey(r => r.DataPathCallsByKind),
            KernelReadCalls = S(r => r.KernelReadCalls),
            DiskReadMiB = S(r => r.DiskReadMiB),
            VoluntarySwitches = S(r => r.VoluntarySwitches),
            InvoluntarySwitches = S(r => r.InvoluntarySwitches),
            ContextSwitchesPerGiB = S(r => r.ContextSwitchesPerGiB),
            CpuMs = S(r => r.CpuMs),
            CpuMsPerGiB = S(r => r.CpuMsPerGiB),
            MachineCpuMsPerGiB = S(r => r.MachineCpuMsPerGiB),
            MachineStealMs = S(r => r.MachineStealMs),
            PageCacheMiB = S(r => r.PageCacheMiB),
            FileCacheMiB = S(r => r.FileCacheMiB),
            ResidencyAfter = S(r => r.ResidencyAfter),
            StraceCalls = Traced(r => r.StraceCalls),
            StraceDataPathCalls = Traced(r => r.StraceDataPathCalls),
            TracedCounterCalls = Traced(r => r.TracedCounterCalls),
            StraceByCall = ByKey(r => r.StraceByCall),
        };
    }
}
