namespace Sluice.Server.Tests.Infrastructure;

// Where test trees live: a directory on a real disk. Tests that evict the page cache, read with
// O_DIRECT or RWF_DONTCACHE, or measure residency mean nothing on tmpfs (its pages are the file:
// eviction is a no-op, and this kernel refuses RWF_DONTCACHE there), and /tmp is tmpfs on many
// machines. So the temporary directory is used only when statfs says it is not memory-backed;
// otherwise /var/tmp, which the FHS keeps on persistent storage.
internal static class DiskDirectory
{
    private static readonly Lazy<string> s_base = new(Pick);

    public static string Base => s_base.Value;

    // A new, unique path under Base (not created).
    public static string NewPath(string prefix) => Path.Combine(Base, prefix + Guid.NewGuid().ToString("N"));

    public static bool IsMemoryBacked(string path)
    {
        var drive = new DriveInfo(path);
        return drive.DriveType == DriveType.Ram || drive.DriveFormat is "tmpfs" or "ramfs";
    }

    private static string Pick()
    {
        foreach (string candidate in new[] { Path.GetTempPath(), "/var/tmp" })
        {
            if (Directory.Exists(candidate) && !IsMemoryBacked(candidate))
            {
                return candidate;
            }
        }

        // Nothing disk-backed: tests that need a disk say so (PageCache asserts it).
        return Path.GetTempPath();
    }
}
