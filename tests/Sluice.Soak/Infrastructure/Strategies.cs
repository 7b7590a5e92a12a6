namespace Sluice.Soak.Infrastructure;

internal static class Strategies
{
    // Every value of `--strategy`: each moves bytes by its own mechanism, so each can leak or stall its own way.
    public static TheoryData<string> All => new() { "auto", "sendfile", "buffered", "copy", "direct", "dontcache" };

    // Strategies whose large bodies go through the aligned read-buffer pool (auto: a large cold file goes direct).
    public static bool UsesReadBuffers(string strategy) => strategy is "auto" or "direct" or "dontcache";
}
