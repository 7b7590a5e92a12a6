using System.Globalization;
using System.Text;

namespace Sluice.Cli.Bench;

// The seed's claims, judged on figures measured from outside the server's mechanisms — strace's
// count of system calls, the kernel's /proc counters, cachestat/mincore residency, CPU clocks —
// never on the server's own data-path counters, which count the very calls the loop was written
// to issue and so agree with the model by construction:
//  1. the buffered path costs two calls per 32 KiB chunk: 320 MiB ≈ 10,240 reads + 10,240 sends
//     ≈ 40,960 user/kernel transitions (needs --strace: sends are in no /proc counter);
//  2. sendfile merges the read and the write into few calls (needs --strace);
//  3. and so costs the sending server less CPU;
//  4. direct I/O (and RWF_DONTCACHE) leaves the page cache untouched.
// A comparison is judged on the whole min–max spread of the rounds: when the spreads straddle the
// threshold the verdict is "unresolved", not a win or a loss.
internal static class SeedClaims
{
    public const int BufferedChunkBytes = 32 * 1024;

    // At least this many times fewer calls for "few calls".
    public const double FewerCallsFactor = 10;

    // Of the file's size, what "untouched" tolerates (read-ahead of metadata, the last partial page).
    public const double UntouchedFraction = 0.05;

    private static readonly string[] s_readCalls = ["pread64", "preadv", "preadv2", "read"];
    private static readonly string[] s_sendCalls = ["sendto", "send", "sendmsg", "write", "writev"];

    public const string LoopbackNote =
        "Note: this ran over loopback. Loopback cannot show what scatter-gather DMA and zero-copy save on a real NIC: " +
        "the receiving side copies every byte in the kernel, and MSG_ZEROCOPY (io_uring SEND_ZC) falls back to copying there too, " +
        "with the receiver's work charged to whichever task runs it. Compare CPU ms/GiB (server and whole machine) and system calls/GiB, " +
        "not only MB/s. \"copies/B (model)\" is the textbook count of CPU copies per payload byte on the sending side, not a measurement.";

    public static List<ClaimVerdict> Evaluate(IReadOnlyList<BenchSummary> rows, long size)
    {
        var verdicts = new List<ClaimVerdict>();
        long chunks = (size + BufferedChunkBytes - 1) / BufferedChunkBytes;
        foreach (BenchSummary buffered in rows.Where(r => r.Strategy == "buffered"))
        {
            verdicts.Add(BufferedCalls(buffered, chunks));
        }

        foreach (BenchSummary sendfile in rows.Where(r => r.Strategy == "sendfile"))
        {
            BenchSummary? buffered = rows.FirstOrDefault(r => r.Strategy == "buffered" && r.Cache == sendfile.Cache);
            if (buffered is null)
            {
                verdicts.Add(new("sendfile-calls", ClaimOutcome.NotChecked, $"sendfile ({sendfile.Cache}): run buffered too, for the comparison"));
                continue;
            }

            verdicts.Add(SendfileCalls(sendfile, buffered));
            verdicts.Add(SendfileCpu(sendfile, buffered));
        }

        verdicts.AddRange(PageCache(rows, size));
        verdicts.AddRange(CountersAgainstStrace(rows));
        foreach (BenchSummary auto in rows.Where(r => r.Strategy == "auto"))
        {
            verdicts.Add(new("auto", ClaimOutcome.Info, $"auto ({auto.Cache}) chose {auto.ChosenStrategy ?? "nothing (no decision counted)"}" +
                (auto.ChosenReason is null ? "" : $" ({auto.ChosenReason})")));
        }

        return verdicts;
    }

    public static string Render(IReadOnlyList<ClaimVerdict> verdicts)
    {
        var b = new StringBuilder();
        b.AppendLine("Seed claims, judged on measured figures (strace, /proc, cachestat, CPU clocks) over every round:");
        foreach (ClaimVerdict verdict in verdicts)
        {
            string word = verdict.Outcome switch
            {
                ClaimOutcome.Holds => "holds     ",
                ClaimOutcome.Differs => "DIFFERS   ",
                ClaimOutcome.Unresolved => "unresolved",
                ClaimOutcome.NotChecked => "unchecked ",
                _ => "info      ",
            };
            b.Append("  [").Append(word).Append("] ").AppendLine(verdict.Text);
        }

        return b.ToString();
    }

    // Judges a ratio's range against a lower bound: every round above it, every round below it, or both.
    public static ClaimOutcome AtLeast(double min, double max, double threshold) =>
        min >= threshold ? ClaimOutcome.Holds : max < threshold ? ClaimOutcome.Differs : ClaimOutcome.Unresolved;

    private static ClaimVerdict BufferedCalls(BenchSummary buffered, long chunks)
    {
        string model = I($"{chunks:N0} chunks of 32 KiB → {chunks:N0} reads + {chunks:N0} sends ≈ {4 * chunks:N0} transitions");
        if (buffered.StraceCalls is not Spread total)
        {
            return new("buffered-calls", ClaimOutcome.NotChecked, I(
                $"buffered ({buffered.Cache}): {model}; not checked without --strace: the server's counters ({buffered.DataPathCalls.Format("N0")} data-path calls) count the loop's own calls. ") +
                $"The kernel counted {buffered.KernelReadCalls.Format("N0")} read calls (/proc/PID/io syscr); sends appear in no /proc counter");
        }

        Spread reads = SumOf(buffered.StraceByCall, s_readCalls);
        Spread sends = SumOf(buffered.StraceByCall, s_sendCalls);
        double model2 = 2.0 * chunks;
        // Within a quarter of the model in every round: reads and sends are each at least one per chunk.
        double low = (reads.Min + sends.Min) / model2;
        double high = (reads.Max + sends.Max) / model2;
        ClaimOutcome outcome = low >= 0.75 && high <= 1.25 ? ClaimOutcome.Holds
            : high < 0.75 || low > 1.25 ? ClaimOutcome.Differs : ClaimOutcome.Unresolved;
        return new("buffered-calls", outcome, I(
            $"buffered ({buffered.Cache}): {model}; strace saw {reads.Format("N0")} reads + {sends.Format("N0")} sends ") +
            I($"({(reads.Median + sends.Median) / model2:0.00}× the model) of {total.Format("N0")} system calls in all ≈ {2 * total.Median:N0} transitions"));
    }

    private static ClaimVerdict SendfileCalls(BenchSummary sendfile, BenchSummary buffered)
    {
        string name = $"sendfile ({sendfile.Cache})";
        if (sendfile.StraceCalls is not Spread s || buffered.StraceCalls is not Spread b || s.Min <= 0)
        {
            return new("sendfile-calls", ClaimOutcome.NotChecked,
                $"{name} calls: not checked without --strace (sends appear in no /proc counter). The kernel counted {sendfile.KernelReadCalls.Format("N0")} read-family calls " +
                $"(sendfile counts as one) against buffered's {buffered.KernelReadCalls.Format("N0")}; the server's counters: {sendfile.DataPathCalls.Format("N0")} against {buffered.DataPathCalls.Format("N0")}");
        }

        // The range of the ratio: the fewest buffered calls over the most sendfile calls, and back.
        double low = b.Min / s.Max;
        double high = b.Max / s.Min;
        string detail = string.Join(", ", sendfile.StraceByCall.OrderByDescending(k => k.Value.Median).Take(4).Select(k => $"{k.Value.Format("N0")} {k.Key}"));
        return new("sendfile-calls", AtLeast(low, high, FewerCallsFactor), I(
            $"{name}: strace saw {s.Format("N0")} system calls ({detail} …) against buffered's {b.Format("N0")}: ") +
            I($"{b.Median / s.Median:N0}× fewer ({low:N0}–{high:N0}× over the rounds; the claim wants ≥ {FewerCallsFactor:0}×)"));
    }

    private static ClaimVerdict SendfileCpu(BenchSummary sendfile, BenchSummary buffered)
    {
        ClaimOutcome outcome = sendfile.CpuMsPerGiB.EntirelyBelow(buffered.CpuMsPerGiB) ? ClaimOutcome.Holds
            : buffered.CpuMsPerGiB.EntirelyBelow(sendfile.CpuMsPerGiB) ? ClaimOutcome.Differs : ClaimOutcome.Unresolved;
        string machine = sendfile.MachineCpuMsPerGiB.EntirelyBelow(buffered.MachineCpuMsPerGiB) ? "lower in every round"
            : buffered.MachineCpuMsPerGiB.EntirelyBelow(sendfile.MachineCpuMsPerGiB) ? "higher in every round" : "not resolved by the rounds";
        return new("sendfile-cpu", outcome,
            $"sendfile ({sendfile.Cache}) server CPU {sendfile.CpuMsPerGiB.Format("N0")} ms/GiB against buffered's {buffered.CpuMsPerGiB.Format("N0")} (CPU clock, ns); " +
            $"whole machine {sendfile.MachineCpuMsPerGiB.Format("N0")} against {buffered.MachineCpuMsPerGiB.Format("N0")} ms/GiB, {machine}");
    }

    private static IEnumerable<ClaimVerdict> PageCache(IReadOnlyList<BenchSummary> rows, long size)
    {
        double sizeMiB = size / (double)(1 << 20);
        double limitMiB = UntouchedFraction * sizeMiB;
        List<BenchSummary> bypassing = rows.Where(r => r.Cache == "cold" &&
            (r.Strategy is "direct" or "dontcache" || (r.Strategy == "auto" && r.ChosenStrategy is "direct" or "dontcache"))).ToList();
        if (bypassing.Count == 0)
        {
            yield return new("page-cache", ClaimOutcome.NotChecked, "page-cache claim: not checked (run direct or dontcache with --cache cold)");
            yield break;
        }

        BenchSummary? cached = rows.FirstOrDefault(r => r.Cache == "cold" && r.Strategy == "sendfile")
            ?? rows.FirstOrDefault(r => r.Cache == "cold" && r.Strategy == "buffered");
        string versus = cached is null ? "" :
            $"; {cached.Strategy} cold added {cached.FileCacheMiB.Format("N0")} MiB of it and left {cached.ResidencyAfter.Format("P0")} resident";
        foreach (BenchSummary bypass in bypassing)
        {
            ClaimOutcome outcome = bypass.FileCacheMiB.Max < limitMiB && bypass.ResidencyAfter.Max < UntouchedFraction ? ClaimOutcome.Holds
                : bypass.FileCacheMiB.Min >= limitMiB || bypass.ResidencyAfter.Min >= UntouchedFraction ? ClaimOutcome.Differs : ClaimOutcome.Unresolved;
            yield return new("page-cache", outcome, I(
                $"{bypass.Label} (cold) page cache: the file's own pages grew by {bypass.FileCacheMiB.Format("+0.0;-0.0;0.0")} MiB of {sizeMiB:N0} (cachestat), ") +
                $"{bypass.ResidencyAfter.Format("P1")} resident afterwards; machine-wide Cached: {bypass.PageCacheMiB.Format("+0.0;-0.0;0.0")} MiB; " +
                $"the server read {bypass.DiskReadMiB.Format("N0")} MiB from the disk (/proc/PID/io){versus}");
        }
    }

    // The server's data-path counters against strace's count of the same calls on the traced transfer.
    private static IEnumerable<ClaimVerdict> CountersAgainstStrace(IReadOnlyList<BenchSummary> rows)
    {
        foreach (BenchSummary row in rows)
        {
            if (row.StraceDataPathCalls is not Spread seen || row.TracedCounterCalls is not Spread counted)
            {
                continue;
            }

            // A few calls of the runtime's own (epoll_ctl for the accepted socket) are no disagreement.
            double tolerance = 16 + (0.01 * counted.Median);
            bool agree = Math.Abs(seen.Median - counted.Median) <= tolerance;
            yield return new("counters", agree ? ClaimOutcome.Holds : ClaimOutcome.Differs,
                $"{row.Label} ({row.Cache}) counters: the server counted {counted.Format("N0")} data-path calls on the traced transfer, strace saw {seen.Format("N0")} of them " +
                $"among {row.StraceCalls!.Value.Format("N0")} system calls in all");
        }
    }

    private static Spread SumOf(Dictionary<string, Spread> calls, string[] names)
    {
        IEnumerable<Spread> parts = names.Where(calls.ContainsKey).Select(n => calls[n]);
        return parts.Aggregate(new Spread(0, 0, 0, 1), (sum, p) => new Spread(sum.Median + p.Median, sum.Min + p.Min, sum.Max + p.Max, Math.Max(sum.Count, p.Count)));
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
