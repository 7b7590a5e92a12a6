namespace Sluice.Server.Tests.Infrastructure;

internal static class Wait
{
    // Polls until the condition holds or the deadline passes; returns whether it held.
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan deadline) => UntilAsync(() => Task.FromResult(condition()), deadline);

    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        long end = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (Environment.TickCount64 > end)
            {
                return false;
            }

            await Task.Delay(20);
        }
    }

    public static int OpenDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    // Descriptors of this process whose target path ends with the given file name.
    public static int DescriptorsOpenOn(string fileName)
    {
        int count = 0;
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is string target && target.EndsWith("/" + fileName, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return count;
    }

    // Runs `body` with the garbage collector held off (as far as the runtime allows), so that a
    // descriptor released only by a finalizer is not mistaken for one released at once.
    public static async Task<T> WithoutGcAsync<T>(Func<Task<T>> body)
    {
        bool noGc = System.Runtime.GCSettings.LatencyMode != System.Runtime.GCLatencyMode.NoGCRegion
            && GC.TryStartNoGCRegion(32 * 1024 * 1024);
        try
        {
            return await body();
        }
        finally
        {
            if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }
}

// Tests that count this process's descriptors or depend on timing run alone, after the others.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
