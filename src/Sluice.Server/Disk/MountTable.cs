namespace Sluice.Server.Disk;

// Names a device for a log line: "tmpfs on /dev/shm" from /proc/self/mountinfo (proc(5): field 3
// is major:minor, field 5 the mount point, the filesystem type follows the " - " separator).
// Read only when a refusal is first logged, so at most once per filesystem and capability; procfs
// is generated in memory, so the read never waits on a disk.
internal static class MountTable
{
    private const string MountInfoPath = "/proc/self/mountinfo";

    public static string Describe(ulong device)
    {
        string id = $"{device >> 32}:{(uint)device}";
        try
        {
            foreach (string line in File.ReadLines(MountInfoPath))
            {
                if (Find(line, id) is string found)
                {
                    return $"device {id}, {found}";
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No procfs (a sandbox): the device number alone still tells filesystems apart.
        }

        return $"device {id}";
    }

    // "tmpfs on /dev/shm" when the mountinfo line is of device id ("major:minor"), else null.
    internal static string? Find(string line, string id)
    {
        string[] fields = line.Split(' ');
        if (fields.Length < 5 || fields[2] != id)
        {
            return null;
        }

        int separator = Array.IndexOf(fields, "-", 5);
        string type = separator > 0 && separator + 1 < fields.Length ? fields[separator + 1] : "?";
        return $"{type} on {fields[4]}";
    }
}
