namespace Sluice.Cli.Bench;

// The bench's arguments, validated by BenchCommand.
internal sealed record BenchOptions(
    long Size,
    string? Directory,
    IReadOnlyList<string> Strategies,
    IReadOnlyList<string> CacheStates,
    int Repeat,
    string? JsonPath,
    string? ChartPath,
    bool Strace)
{
    public static readonly string[] AllStrategies = ["buffered", "copy", "sendfile", "direct", "dontcache", "auto"];

    public static readonly string[] AllCacheStates = ["warm", "cold"];
}
