using System.Text.Json.Serialization;

namespace Sluice.Cli.Bench;

// One measured transfer. Serialized as is (camelCase) for --json; every figure is measured except
// ModelCopiesPerByte, which is the textbook model of each path.
internal sealed class BenchResult
{
    public required string Strategy { get; init; }

    public required string Cache { get; init; }

    public int Round { get; init; }

    public long Bytes { get; init; }

    public double Seconds { get; init; }

    public double MbPerSec { get; init; }

    // From the server's own counters (sluice_syscalls_total, all strategies and kinds).
    public long Syscalls { get; init; }

    public double SyscallsPerGiB { get; init; }

    public Dictionary<string, long> SyscallsByKind { get; init; } = [];

    // Two per system call: one entry into the kernel, one return.
    public long Transitions { get; init; }

    public long ContextSwitches { get; init; }

    public long VoluntarySwitches { get; init; }

    public long InvoluntarySwitches { get; init; }

    public double ContextSwitchesPerGiB { get; init; }

    // Server process CPU (utime + stime), 10 ms resolution.
    public double CpuMs { get; init; }

    public double CpuUserMs { get; init; }

    public double CpuSysMs { get; init; }

    public double CpuMsPerGiB { get; init; }

    // Whole machine busy CPU (client, server, kernel, everything else) from /proc/stat.
    public double MachineCpuMs { get; init; }

    public double MachineCpuMsPerGiB { get; init; }

    // Growth of "Cached:" in /proc/meminfo over the transfer.
    public double PageCacheMiB { get; init; }

    // The test file's own pages added to the cache (residency after − before, × size): unlike
    // PageCacheMiB, immune to whatever else the machine caches or drops meanwhile.
    public double FileCacheMiB { get; init; }

    public double ResidencyBefore { get; init; }

    public double ResidencyAfter { get; init; }

    // auto only: the strategy the server's policy chose (from sluice_decisions_total).
    public string? ChosenStrategy { get; init; }

    public string? ChosenReason { get; init; }

    public int ModelCopiesPerByte { get; init; }

    // --strace only, from a separate traced transfer of the same file in the same cache state.
    public long? StraceCalls { get; init; }

    public long? StraceIoCalls { get; init; }

    public long? StraceCounterSyscalls { get; init; }

    public Dictionary<string, long>? StraceByCall { get; init; }

    // CPU copies of each payload byte by the model: buffered and dontcache copy disk → page cache
    // → user buffer → socket (2 by the CPU), direct DMAs into the user buffer then copies it into
    // the socket (1), sendfile moves page references (0). The receiving side is not counted.
    public static int ModelCopies(string strategy) => strategy switch
    {
        "buffered" or "dontcache" or "copy" => 2,
        "direct" => 1,
        "sendfile" => 0,
        _ => -1,
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<BenchResult>))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
