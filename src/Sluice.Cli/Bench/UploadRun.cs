namespace Sluice.Cli.Bench;

// One measured upload. CPU figures are per GiB of body; StraceCalls is from a separate traced
// upload (null without --strace).
internal sealed record UploadRun(
    string Strategy,
    int Round,
    long Bytes,
    double Seconds,
    double MachineCpuMsPerGiB,
    double ServerCpuMsPerGiB,
    double PageCacheGrowthMiB,
    double? StraceCallsPerGiB)
{
    public double MbPerSec => Bytes / Seconds / 1e6;
}
