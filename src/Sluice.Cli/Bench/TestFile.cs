using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Cli.Bench;

// The file every strategy sends: random bytes (incompressible, no sparse holes), written and
// fsynced so that eviction can drop every page (posix_fadvise(DONTNEED) skips dirty pages).
// Deleted on dispose when the bench created it.
internal sealed class TestFile : IDisposable
{
    private readonly bool _ownsDirectory;

    private TestFile(string directory, bool ownsDirectory, string name)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Name = name;
    }

    public string Directory { get; }

    public string Name { get; }

    public string FullPath => Path.Combine(Directory, Name);

    // With --dir the file goes into DIR and only the file is removed afterwards. Without it, a
    // fresh directory under /var/tmp (or the current directory), never on tmpfs: cold runs need a
    // file whose pages can leave memory.
    public static TestFile Create(string? requestedDirectory, long size, TextWriter progress)
    {
        string directory;
        bool ownsDirectory;
        if (requestedDirectory is not null)
        {
            directory = Path.GetFullPath(requestedDirectory);
            ownsDirectory = false;
            if (MachineInfo.IsMemoryBacked(directory))
            {
                progress.WriteLine($"sluice bench: warning: {directory} is on {MachineInfo.FilesystemOf(directory)}; cold runs cannot evict anything there");
            }
        }
        else
        {
            string parent = ((string[])["/var/tmp", System.IO.Directory.GetCurrentDirectory()])
                .FirstOrDefault(d => System.IO.Directory.Exists(d) && !MachineInfo.IsMemoryBacked(d)) ?? "/var/tmp";
            if (MachineInfo.IsMemoryBacked(parent))
            {
                progress.WriteLine("sluice bench: warning: /var/tmp and the current directory are memory-backed; pass --dir on a disk filesystem");
            }

            directory = Path.Combine(parent, $"sluice-bench-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
            System.IO.Directory.CreateDirectory(directory);
            ownsDirectory = true;
        }

        long available = new DriveInfo(directory).AvailableFreeSpace;
        if (available < size + (64L << 20))
        {
            if (ownsDirectory)
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            throw new IOException($"{directory} has {available >> 20} MiB free; the test file needs {size >> 20} MiB");
        }

        var file = new TestFile(directory, ownsDirectory, $"sluice-bench-{Environment.ProcessId}.bin");
        file.WriteOrDelete(size);
        return file;
    }

    public TestFile CreateSibling(string name, long size)
    {
        var file = new TestFile(Directory, ownsDirectory: false, name);
        file.WriteOrDelete(size);
        return file;
    }

    public bool Evict()
    {
        using SafeFileHandle handle = Open();
        return FilePal.EvictFromPageCache(handle, 0, 0);
    }

    // Fraction of the file's pages in the page cache.
    public double Residency()
    {
        using SafeFileHandle handle = Open();
        long length = new FileInfo(FullPath).Length;
        return PageCachePal.TryGetResidency(handle, 0, length, out Residency residency) ? residency.Fraction : double.NaN;
    }

    // Reads the file through the page cache, making it resident.
    public void ReadThroughCache()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(1 << 20);
        using var stream = new FileStream(FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        while (stream.Read(buffer) > 0)
        {
        }
    }

    public void Dispose()
    {
        File.Delete(FullPath);
        if (_ownsDirectory)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private SafeFileHandle Open()
    {
        FileOpenStatus status = FilePal.TryOpenReadOnly(FullPath, out SafeFileHandle handle);
        return status == FileOpenStatus.Opened ? handle : throw new IOException($"{FullPath}: {status}");
    }

    // CreateNew: never overwrite a file that was already there. Once created, a failed write
    // removes the partial file (and the directory the bench made).
    private void WriteOrDelete(long size)
    {
        var stream = new FileStream(FullPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            using (stream)
            {
                byte[] chunk = GC.AllocateUninitializedArray<byte>(1 << 20);
                var random = new Random();
                for (long written = 0; written < size; written += chunk.Length)
                {
                    random.NextBytes(chunk);
                    stream.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
                }

                stream.Flush(flushToDisk: true);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }
}
