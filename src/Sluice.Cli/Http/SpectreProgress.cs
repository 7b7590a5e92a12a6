using Spectre.Console;

namespace Sluice.Cli.Http;

// The progress bar on a terminal: bytes, percentage, rate and time left (Spectre.Console computes the
// rate and ETA from the task's value over time).
internal sealed class SpectreProgress(ProgressTask task) : ITransferProgress
{
    public static Progress Create(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new TaskDescriptionColumn(),
            new ProgressBarColumn(),
            new PercentageColumn(),
            new DownloadedColumn(),
            new TransferSpeedColumn(),
            new RemainingTimeColumn());

    public void Begin(long total)
    {
        task.MaxValue = Math.Max(1, total);
        task.Value = 0;
    }

    public void Restart(long position) => task.Value = position;

    public void Advance(long bytes) => task.Increment(bytes);
}
