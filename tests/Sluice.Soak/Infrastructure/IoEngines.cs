namespace Sluice.Soak.Infrastructure;

// The disk engines the properties are judged with: the one list to extend when an engine is added.
// Each is selected with `--io-engine` (a forced io_uring that the kernel refuses fails the start,
// so a case never passes on a silent fallback).
internal static class IoEngines
{
    public const string Default = "threads";

    private static readonly string[] s_all = [Default, "io_uring"];

    public static IReadOnlyList<string> All => s_all;

    // The command-line arguments that select `engine`.
    public static string[] Arguments(string engine) => s_all.Length == 1 && engine == Default ? [] : ["--io-engine", engine];
}
