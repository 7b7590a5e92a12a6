using System.CommandLine;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Cli.Commands;

// `sluice cache PATH...`: page-cache residency per file (like fincore), and --evict to drop a
// file's clean pages (posix_fadvise DONTNEED). The benchmark uses both for cold runs.
public static class CacheCommand
{
    public static Command Create()
    {
        var paths = new Argument<FileInfo[]>("PATH") { Description = "Files to inspect.", Arity = ArgumentArity.OneOrMore };
        var evict = new Option<bool>("--evict") { Description = "Drop the files' clean pages from the page cache first (dirty pages stay until written back)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per file instead of a table." };
        var command = new Command("cache", "Show how much of each file is resident in the page cache; --evict drops it.") { paths, evict, json };
        command.SetAction(parse => Run(parse.GetValue(paths)!, parse.GetValue(evict), parse.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo[] files, bool evict, bool json)
    {
        int exit = 0;
        if (!json)
        {
            Console.WriteLine($"{"RESIDENT",12} {"PAGES",10} {"SIZE",14} {"%",6}  FILE");
        }

        foreach (FileInfo file in files)
        {
            FileOpenStatus status = FilePal.TryOpenReadOnly(file.FullName, out SafeFileHandle handle);
            if (status != FileOpenStatus.Opened)
            {
                Console.Error.WriteLine($"sluice: {file.FullName}: {CacheOpenError.Describe(status)}");
                exit = 1;
                continue;
            }

            using (handle)
            {
                if (!FilePal.TryGetMetadata(handle, out FileMetadata metadata) || !metadata.IsRegularFile)
                {
                    Console.Error.WriteLine($"sluice: {file.FullName}: not a regular file");
                    exit = 1;
                    continue;
                }

                if (evict && !FilePal.EvictFromPageCache(handle, 0, 0))
                {
                    Console.Error.WriteLine($"sluice: {file.FullName}: posix_fadvise(DONTNEED) failed");
                    exit = 1;
                }

                if (!PageCachePal.TryGetResidency(handle, 0, metadata.Length, out Residency residency))
                {
                    Console.Error.WriteLine($"sluice: {file.FullName}: cannot measure residency");
                    exit = 1;
                    continue;
                }

                long residentBytes = Math.Min(metadata.Length, residency.ResidentPages * PageCachePal.PageSize);
                double percent = residency.Fraction * 100;
                if (json)
                {
                    Console.WriteLine(
                        $"{{\"path\":{System.Text.Json.JsonSerializer.Serialize(file.FullName, CacheJsonContext.Default.String)},\"size\":{metadata.Length},\"pages\":{residency.TotalPages}," +
                        $"\"residentPages\":{residency.ResidentPages},\"residentBytes\":{residentBytes},\"percent\":{percent.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)},\"source\":\"{residency.Source.ToString().ToLowerInvariant()}\"}}");
                }
                else
                {
                    Console.WriteLine($"{residentBytes,12} {residency.TotalPages,10} {metadata.Length,14} {percent,6:0.0}  {file.FullName}");
                }
            }
        }

        return exit;
    }
}
