using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Soak.Infrastructure;

// A fresh served root under /var/tmp, never on tmpfs: the tests evict files from the page cache
// (posix_fadvise DONTNEED) to make them cold, which means nothing on a memory-backed filesystem.
internal sealed class SoakDirectory : IDisposable
{
    public SoakDirectory()
    {
        Path = System.IO.Path.Combine("/var/tmp", "sluice-soak-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);

        // DriveFormat is statfs(2)'s f_type by name.
        string format = new DriveInfo(Path).DriveFormat;
        Assert.True(format is not ("tmpfs" or "ramfs"), $"{Path} is on {format}: cold files need a disk filesystem");
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    // A file of self-describing 16-byte blocks, written, fsynced and evicted: cold.
    public string ColdBlocksFile(string name, long length)
    {
        string path = File(name);
        if (!System.IO.File.Exists(path) || new FileInfo(path).Length != length)
        {
            Fixtures.WriteBlocksFile(path, length);
        }

        MakeCold(path);
        return path;
    }

    // Through the same interop `sluice cache --evict` uses: fsync (dirty pages cannot be evicted),
    // posix_fadvise(DONTNEED), then mincore/cachestat must find nothing resident.
    public static void MakeCold(string path)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(path, out SafeFileHandle handle));
        using (handle)
        {
            Assert.True(FilePal.EvictFromPageCache(handle, 0, 0));
            Assert.True(FilePal.TryGetMetadata(handle, out FileMetadata metadata));
            Assert.True(PageCachePal.TryGetResidency(handle, 0, metadata.Length, out Residency residency));
            Assert.True(residency.Fraction == 0, $"{path} is still {residency.Fraction:P1} resident after posix_fadvise(DONTNEED)");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
