using System.Globalization;
using System.Text;

namespace Sluice.Cli.Bench;

// The terminal tables, one row per strategy × cache state, every cell the median over the rounds
// with its min–max in parentheses (the bare median when the rounds agree). Two tables, so that a
// line fits a wide terminal: time and CPU, then calls and the page cache. --json has every run.
internal static class ResultTable
{
    public static string Render(IReadOnlyList<BenchSummary> rows, bool strace)
    {
        var b = new StringBuilder();
        AppendTable(b,
            ["strategy", "cache", "MB/s", "srv CPU ms/GiB", "machine busy ms/GiB", "steal ms", "ctxsw/GiB", "ctxsw vol/invol", "copies/B (model)"],
            rows.Select(r => (string[])[
                r.Label, r.Cache, r.MbPerSec.Format("N0"), r.CpuMsPerGiB.Format("N0"), r.MachineCpuMsPerGiB.Format("N0"), r.MachineStealMs.Format("N0"),
                r.ContextSwitchesPerGiB.Format("N0"), $"{r.VoluntarySwitches.Format("N0")}/{r.InvoluntarySwitches.Format("N0")}",
                r.ModelCopiesPerByte < 0 ? "?" : r.ModelCopiesPerByte.ToString(CultureInfo.InvariantCulture),
            ]).ToList());
        b.AppendLine();

        string[] headers = ["strategy", "cache", "data-path calls", "data-path calls/GiB", "kernel read calls", "disk read MiB", "page cache +MiB all", "file +MiB", "resident after"];
        if (strace)
        {
            headers = [.. headers, "strace: all calls", "strace: data-path", "counters (traced)"];
        }

        AppendTable(b, headers, rows.Select(r =>
        {
            string[] cells =
            [
                r.Label, r.Cache, r.DataPathCalls.Format("N0"), r.DataPathCallsPerGiB.Format("N0"), r.KernelReadCalls.Format("N0"), r.DiskReadMiB.Format("N0"),
                r.PageCacheMiB.Format("+0.0;-0.0;0.0"), r.FileCacheMiB.Format("+0.0;-0.0;0.0"), r.ResidencyAfter.Format("P1"),
            ];
            return strace
                ? [.. cells, Optional(r.StraceCalls), Optional(r.StraceDataPathCalls), Optional(r.TracedCounterCalls)]
                : cells;
        }).ToList());
        return b.ToString();
    }

    private static string Optional(Spread? spread) => spread is Spread s ? s.Format("N0") : "-";

    internal static void AppendTable(StringBuilder b, string[] headers, List<string[]> cells)
    {
        int[] widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        AppendRow(b, headers, widths);
        b.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in cells)
        {
            AppendRow(b, row, widths);
        }
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
}
