using System.Runtime.InteropServices;

namespace Sluice.Cli.Bench;

// What the numbers were measured on: they mean little without it (a paravirtualized guest on
// loopback is not bare metal with a NIC).
internal sealed record MachineInfo(string Kernel, string Cpu, int Cores, string Filesystem, string Runtime)
{
    public static MachineInfo Describe(string directory) => new(
        File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
        CpuModel(),
        Environment.ProcessorCount,
        FilesystemOf(directory),
        RuntimeInformation.FrameworkDescription);

    public override string ToString() =>
        $"Linux {Kernel}, {Cpu}, {Cores} cores, test file on {Filesystem}, {Runtime}";

    // "model name" on x86; arm64 kernels report only implementer/part numbers.
    private static string CpuModel()
    {
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
            {
                return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }

        return RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant() + " (model unknown)";
    }

    // The mount with the longest mount point that contains the directory, from /proc/self/mountinfo:
    // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions".
    public static string FilesystemOf(string directory)
    {
        string path = Path.GetFullPath(directory);
        string best = "";
        string description = "unknown filesystem";
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 2 >= fields.Length)
            {
                continue;
            }

            string mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            bool contains = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (contains && mountPoint.Length >= best.Length)
            {
                best = mountPoint;
                description = $"{fields[dash + 1]} ({fields[dash + 2]} at {mountPoint})";
            }
        }

        return description;
    }

    public static bool IsMemoryBacked(string directory)
    {
        string fs = FilesystemOf(directory);
        return fs.StartsWith("tmpfs", StringComparison.Ordinal) || fs.StartsWith("ramfs", StringComparison.Ordinal);
    }
}
