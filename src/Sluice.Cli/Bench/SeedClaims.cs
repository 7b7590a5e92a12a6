using System.Text;

namespace Sluice.Cli.Bench;

// The seed's claims, checked against the measured rows (never against constants of our own):
//  1. the buffered path costs two calls per 32 KiB chunk: 320 MiB ≈ 10,240 reads + 10,240 writes
//     ≈ 40,960 user/kernel transitions;
//  2. sendfile merges the read and the write into few calls;
//  3. direct I/O (and RWF_DONTCACHE) leaves the page cache untouched.
internal static class SeedClaims
{
    private const int BufferedChunkBytes = 32 * 1024;

    public const string LoopbackNote =
        "Note: this ran over loopback. Loopback cannot show what scatter-gather DMA and zero-copy save on a real NIC: " +
        "the receiving side copies every byte in the kernel, and MSG_ZEROCOPY (io_uring SEND_ZC) falls back to copying there too, " +
        "with the receiver's work charged to whichever task runs it. Compare CPU ms/GiB (server and whole machine) and system calls/GiB, " +
        "not only MB/s. \"copies/B (model)\" is the textbook count of CPU copies per payload byte on the sending side, not a measurement.";

    public static string Render(IReadOnlyList<BenchResult> rows, long size)
    {
        var b = new StringBuilder();
        b.AppendLine("Seed claims, checked against the numbers above:");
        long chunks = (size + BufferedChunkBytes - 1) / BufferedChunkBytes;
        foreach (BenchResult buffered in rows.Where(r => r.Strategy == "buffered"))
        {
            long reads = buffered.SyscallsByKind.GetValueOrDefault("pread");
            long writes = buffered.SyscallsByKind.GetValueOrDefault("send");
            double ratio = buffered.Transitions / (4.0 * chunks);
            Line(b, Math.Abs(ratio - 1) <= 0.25,
                $"buffered ({buffered.Cache}): {chunks:N0} chunks of 32 KiB → expected ≈ {chunks:N0} reads + {chunks:N0} writes ≈ {4 * chunks:N0} transitions; " +
                $"measured {reads:N0} preads + {writes:N0} sends ({buffered.Syscalls:N0} calls in all) = {buffered.Transitions:N0} transitions ({ratio:0.00}× the model)");
        }

        foreach (BenchResult sendfile in rows.Where(r => r.Strategy == "sendfile"))
        {
            BenchResult? buffered = rows.FirstOrDefault(r => r.Strategy == "buffered" && r.Cache == sendfile.Cache);
            string detail = string.Join(", ", sendfile.SyscallsByKind.OrderByDescending(k => k.Value).Select(k => $"{k.Value:N0} {k.Key}"));
            if (buffered is null || sendfile.Syscalls == 0)
            {
                Line(b, null, $"sendfile ({sendfile.Cache}): {sendfile.Syscalls:N0} calls ({detail}); run buffered too for the ratio");
                continue;
            }

            double ratio = (double)buffered.Syscalls / sendfile.Syscalls;
            Line(b, ratio >= 10,
                $"sendfile ({sendfile.Cache}): {sendfile.Syscalls:N0} calls ({detail}) against buffered's {buffered.Syscalls:N0}: {ratio:N0}× fewer; " +
                $"server CPU {sendfile.CpuMsPerGiB:N0} vs {buffered.CpuMsPerGiB:N0} ms/GiB, machine {sendfile.MachineCpuMsPerGiB:N0} vs {buffered.MachineCpuMsPerGiB:N0} ms/GiB");
        }

        double sizeMiB = size / (double)(1 << 20);
        foreach (BenchResult bypass in rows.Where(r => r.Cache == "cold" && (r.Strategy is "direct" or "dontcache" || r.ChosenStrategy is "direct" or "dontcache")))
        {
            BenchResult? cached = rows.FirstOrDefault(r => r.Cache == "cold" && r.Strategy == "sendfile")
                ?? rows.FirstOrDefault(r => r.Cache == "cold" && r.Strategy == "buffered");
            string name = bypass.Strategy == "auto" ? $"auto→{bypass.ChosenStrategy}" : bypass.Strategy;
            string versus = cached is null ? "" : $"; {cached.Strategy} cold grew it by {cached.PageCacheMiB:N1} MiB and left {cached.ResidencyAfter:P0} resident";
            Line(b, bypass.FileCacheMiB < 0.05 * sizeMiB && bypass.ResidencyAfter < 0.05,
                $"{name} (cold) page cache: {bypass.PageCacheMiB:+0.0;-0.0;0.0} MiB (machine-wide Cached:) during the transfer of {sizeMiB:N0} MiB, " +
                $"{bypass.FileCacheMiB:+0.0;-0.0;0.0} MiB of the file's own pages, file {bypass.ResidencyAfter:P1} resident afterwards{versus}");
        }

        if (!rows.Any(r => r.Cache == "cold" && r.Strategy is "direct" or "dontcache"))
        {
            Line(b, null, "page-cache claim: not checked (run direct or dontcache with --cache cold)");
        }

        foreach (BenchResult auto in rows.Where(r => r.Strategy == "auto"))
        {
            Line(b, null, $"auto ({auto.Cache}) chose {auto.ChosenStrategy ?? "nothing (no decision counted)"}" +
                (auto.ChosenReason is null ? "" : $" ({auto.ChosenReason})"));
        }

        return b.ToString();
    }

    private static void Line(StringBuilder b, bool? holds, string text)
    {
        string verdict = holds switch { true => "holds  ", false => "DIFFERS", null => "info   " };
        b.Append("  [").Append(verdict).Append("] ").AppendLine(text);
    }
}
