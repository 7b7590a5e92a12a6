using System.Globalization;
using System.Text;

namespace Sluice.Cli.Bench;

// The terminal table: one row per strategy × cache state. With --repeat, the row is the run of
// median wall time (a real run, not a blend of several), and --json has every run.
internal static class ResultTable
{
    public static List<BenchResult> Representatives(IReadOnlyList<BenchResult> results) =>
        results.GroupBy(r => (r.Strategy, r.Cache))
               .Select(g => g.OrderBy(r => r.Seconds).ElementAt((g.Count() - 1) / 2))
               .ToList();

    public static string Render(IReadOnlyList<BenchResult> rows, bool strace)
    {
        string[] headers =
        [
            "strategy", "cache", "MB/s", "syscalls", "calls/GiB", "transitions", "ctxsw vol/invol",
            "srv CPU ms usr/sys", "srv ms/GiB", "machine ms/GiB", "page cache +MiB all/file", "resident after", "copies/B (model)",
        ];
        if (strace)
        {
            headers = [.. headers, "strace calls", "strace I/O", "counters (traced run)"];
        }

        var cells = new List<string[]>();
        foreach (BenchResult r in rows)
        {
            string strategy = r.Strategy == "auto" && r.ChosenStrategy is not null ? $"auto→{r.ChosenStrategy}" : r.Strategy;
            string[] row =
            [
                strategy, r.Cache, F(r.MbPerSec, "N0"), F(r.Syscalls, "N0"), F(r.SyscallsPerGiB, "N0"), F(r.Transitions, "N0"),
                $"{F(r.VoluntarySwitches, "N0")}/{F(r.InvoluntarySwitches, "N0")}", $"{F(r.CpuUserMs, "N0")}/{F(r.CpuSysMs, "N0")}",
                F(r.CpuMsPerGiB, "N0"), F(r.MachineCpuMsPerGiB, "N0"), $"{F(r.PageCacheMiB, "+0.0;-0.0;0.0")}/{F(r.FileCacheMiB, "+0.0;-0.0;0.0")}", F(r.ResidencyAfter * 100, "0.0") + " %",
                r.ModelCopiesPerByte < 0 ? "?" : F(r.ModelCopiesPerByte, "0"),
            ];
            if (strace)
            {
                row =
                [
                    .. row, r.StraceCalls is long c ? F(c, "N0") : "-", r.StraceIoCalls is long io ? F(io, "N0") : "-",
                    r.StraceCounterSyscalls is long counted ? F(counted, "N0") : "-",
                ];
            }

            cells.Add(row);
        }

        int[] widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var b = new StringBuilder();
        AppendRow(b, headers, widths);
        b.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in cells)
        {
            AppendRow(b, row, widths);
        }

        return b.ToString();
    }

    // Text columns left-aligned, numbers right-aligned.
    private static void AppendRow(StringBuilder b, string[] row, int[] widths)
    {
        for (int i = 0; i < row.Length; i++)
        {
            if (i > 0)
            {
                b.Append("  ");
            }

            b.Append(i < 2 ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i]));
        }

        b.AppendLine();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
