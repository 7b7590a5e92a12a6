using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Page-cache residency of a file range: cachestat(2) where the kernel has it (one call, no
// mapping), else mmap + mincore + munmap (what fincore(1) does).
public static class PageCachePal
{
    private static readonly int s_pageSize = Libc.GetPageSize();
    private static volatile bool s_cachestatMissing;

    public static int PageSize => s_pageSize;

    public static bool TryGetResidency(SafeFileHandle file, long offset, long length, out Residency residency)
    {
        long first = offset / s_pageSize;
        long last = length == 0 ? first : (offset + length - 1) / s_pageSize;
        long total = length == 0 ? 0 : last - first + 1;
        if (total == 0)
        {
            residency = new Residency(0, 0, ResidencySource.Cachestat);
            return true;
        }

        if (!s_cachestatMissing)
        {
            int fd = (int)file.DangerousGetHandle();
            if (Libc.CachestatCall(fd, (ulong)(first * s_pageSize), (ulong)(total * s_pageSize), out Libc.Cachestat stat) == 0)
            {
                residency = new Residency(Math.Min((long)stat.NrCache, total), total, ResidencySource.Cachestat);
                return true;
            }

            if (Libc.LastErrno == Errno.ENOSYS)
            {
                s_cachestatMissing = true;
            }
        }

        return TryMincore(file, first * s_pageSize, total, out residency);
    }

    public static unsafe bool TryMincore(SafeFileHandle file, long alignedOffset, long pages, out Residency residency)
    {
        residency = default;
        nuint length = (nuint)(pages * s_pageSize);
        void* map = Libc.Mmap(null, length, Libc.PROT_READ, Libc.MAP_SHARED, (int)file.DangerousGetHandle(), alignedOffset);
        if ((nint)map == Libc.MAP_FAILED)
        {
            return false;
        }

        try
        {
            // Walk in slices so the residency vector stays small for huge files.
            const long SlicePages = 64 * 1024;
            byte* vector = stackalloc byte[(int)SlicePages];
            long resident = 0;
            for (long page = 0; page < pages; page += SlicePages)
            {
                long count = Math.Min(SlicePages, pages - page);
                if (Libc.Mincore((byte*)map + (page * s_pageSize), (nuint)(count * s_pageSize), vector) != 0)
                {
                    return false;
                }

                for (long i = 0; i < count; i++)
                {
                    resident += vector[i] & 1;
                }
            }

            residency = new Residency(resident, pages, ResidencySource.Mincore);
            return true;
        }
        finally
        {
            _ = Libc.Munmap(map, length);
        }
    }
}
