namespace Sluice.Cli.Bench;

// Whether this build can draw `bench --chart`. The Native AOT build leaves the chart library out
// (see SluiceChart in Sluice.Cli.csproj), and bench refuses --chart there as a usage error
// before it measures anything, rather than run for minutes and fail at the end.
internal static class ChartSupport
{
#if SLUICE_CHART
    public static bool Available => true;

    public static void Write(string path, IReadOnlyList<BenchSummary> rows, long size, string header, string subheader) =>
        ChartWriter.Write(path, rows, size, header, subheader);
#else
    public static bool Available => false;

    public static void Write(string path, IReadOnlyList<BenchSummary> rows, long size, string header, string subheader) =>
        throw new System.Diagnostics.UnreachableException("--chart is refused before measuring in a build without the chart");
#endif

    public const string MissingMessage =
        "--chart is not available in this build: the Native AOT binary leaves the chart library out to stay one small file; use --json, or the dotnet tool / JIT build for the chart";
}
