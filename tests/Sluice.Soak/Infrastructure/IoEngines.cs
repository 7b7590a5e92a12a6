namespace Sluice.Soak.Infrastructure;

// The disk engines the properties are judged with: the one list to extend when an engine is added
// ("io_uring", once `--io-engine` exists). While the list holds only the default engine, the option
// is not passed at all, so these tests run against a server that does not have it yet.
internal static class IoEngines
{
    public const string Default = "threads";

    private static readonly string[] s_all = [Default];

    public static IReadOnlyList<string> All => s_all;

    // The command-line arguments that select `engine`.
    public static string[] Arguments(string engine) => s_all.Length == 1 && engine == Default ? [] : ["--io-engine", engine];
}
