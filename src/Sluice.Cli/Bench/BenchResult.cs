namespace Sluice.Cli.Bench;

// One measured transfer (one round of one strategy × cache state). Serialized as is (camelCase)
// in the "runs" of --json; every figure is measured except ModelCopiesPerByte, which is the
// textbook model of each path.
internal sealed class BenchResult
{
    public required string Strategy { get; init; }

    public required string Cache { get; init; }

    public int Round { get; init; }

    public long Bytes { get; init; }

    public double Seconds { get; init; }

    public double MbPerSec { get; init; }

    // The server's own data-path counters (sluice_syscalls_total: the pread, send, sendfile …
    // calls its mechanisms issue, by kind). Not every system call of the process: strace counts those.
    public long DataPathCalls { get; init; }

    public double DataPathCallsPerGiB { get; init; }

    public Dictionary<string, long> DataPathCallsByKind { get; init; } = [];

    // From /proc/PID/io, counted by the kernel: read-family calls (pread, preadv2, and sendfile,
    // which counts as one read and one write), write-family calls (not send/sendto), and bytes the
    // server made the block layer read from the disk.
    public long KernelReadCalls { get; init; }

    public long KernelWriteCalls { get; init; }

    public double DiskReadMiB { get; init; }

    public long ContextSwitches { get; init; }

    public long VoluntarySwitches { get; init; }

    public long InvoluntarySwitches { get; init; }

    public double ContextSwitchesPerGiB { get; init; }

    // Server process CPU from its CPU clock (nanosecond resolution, every thread).
    public double CpuMs { get; init; }

    public double CpuMsPerGiB { get; init; }

    // The user/system split of /proc/PID/stat, in 10 ms ticks: coarse, kept for the proportion.
    public double CpuUserTickMs { get; init; }

    public double CpuSysTickMs { get; init; }

    // Whole machine busy CPU (client, server, kernel, everything else) from /proc/stat, steal
    // excluded (10 ms ticks summed over the CPUs); steal is reported on its own.
    public double MachineCpuMs { get; init; }

    public double MachineCpuMsPerGiB { get; init; }

    public double MachineStealMs { get; init; }

    // Growth of "Cached:" in /proc/meminfo over the transfer.
    public double PageCacheMiB { get; init; }

    // The test file's own pages added to the cache (residency by cachestat/mincore, after − before,
    // × size): unlike PageCacheMiB, immune to whatever else the machine caches or drops meanwhile.
    public double FileCacheMiB { get; init; }

    public double ResidencyBefore { get; init; }

    public double ResidencyAfter { get; init; }

    // auto only: the strategy the server's policy chose (from sluice_decisions_total).
    public string? ChosenStrategy { get; init; }

    public string? ChosenReason { get; init; }

    public int ModelCopiesPerByte { get; init; }

    // --strace only, from a separate traced transfer of the same file in the same cache state:
    // every system call of the server (all threads), the data-path subset of them, and the
    // server's own data-path counters over that same traced transfer.
    public long? StraceCalls { get; init; }

    public long? StraceDataPathCalls { get; init; }

    public long? TracedCounterCalls { get; init; }

    public Dictionary<string, long>? StraceByCall { get; init; }

    // CPU copies of each payload byte by the model: buffered, copy and dontcache copy disk → page
    // cache → user buffer → socket (2 by the CPU), direct DMAs into the user buffer then copies it
    // into the socket (1), sendfile moves page references (0). The receiving side is not counted.
    public static int ModelCopies(string strategy) => strategy switch
    {
        "buffered" or "dontcache" or "copy" => 2,
        "direct" => 1,
        "sendfile" => 0,
        _ => -1,
    };
}
