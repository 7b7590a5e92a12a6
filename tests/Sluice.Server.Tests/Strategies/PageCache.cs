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

    // Caches exactly [0, length) of an evicted file. Warming the whole file and evicting its tail
    // is not dependable: read-ahead may cache the file in one large folio, which DONTNEED of a
    // part then drops whole (or keeps whole), so the test would start from a different state.
    // With read-ahead off (FADV_RANDOM) the read caches only the pages it asked for; the
    // residency is checked before the caller relies on it.
    public static void WarmHeadOnly(string path, int length)
    {
        FlushAndEvict(path);
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(path, out SafeFileHandle handle));
        using (handle)
        {
            Assert.True(FilePal.AdviseRandom(handle));
            byte[] head = new byte[length];
            int read = 0;
            while (read < length)
            {
                int n = RandomAccess.Read(handle, head.AsSpan(read), read);
                Assert.True(n > 0, "the file is shorter than the head to warm");
                read += n;
            }

            Assert.True(FilePal.TryGetMetadata(handle, out FileMetadata metadata));
            Assert.True(PageCachePal.TryGetResidency(handle, 0, length, out Residency headResidency));
            Assert.True(PageCachePal.TryGetResidency(handle, length, metadata.Length - length, out Residency tailResidency));
            Assert.True(headResidency.ResidentPages == headResidency.TotalPages && tailResidency.ResidentPages == 0,
                $"precondition: head {headResidency.ResidentPages}/{headResidency.TotalPages} pages cached, tail {tailResidency.ResidentPages}/{tailResidency.TotalPages}");
        }
    }
}
