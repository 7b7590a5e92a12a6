using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Strategies;

// Test helpers over the same interop `sluice cache` uses.
internal static class PageCache
{
    // Written pages are dirty and cannot be evicted until written back: fsync first.
    public static void FlushAndEvict(string path)
    {
        Assert.False(DiskDirectory.IsMemoryBacked(path), $"{path} is on a memory-backed filesystem: its pages cannot be evicted (set TMPDIR to a disk)");
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(path, out SafeFileHandle handle));
        using (handle)
        {
            Assert.True(FilePal.EvictFromPageCache(handle, 0, 0));
        }
    }

    public static double ResidentFraction(string path)
    {
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(path, out SafeFileHandle handle));
        using (handle)
        {
            Assert.True(FilePal.TryGetMetadata(handle, out FileMetadata metadata));
            Assert.True(PageCachePal.TryGetResidency(handle, 0, metadata.Length, out Residency residency));
            return residency.Fraction;
        }
    }

    public static void Warm(string path) => _ = File.ReadAllBytes(path);
}
