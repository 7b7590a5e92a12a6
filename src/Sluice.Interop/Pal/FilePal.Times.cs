using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

public static partial class FilePal
{
    // Sets the modification time of file to unixNanoseconds exactly (the access time is left as it
    // is). The kernel stamps writes from a coarse clock (one jiffy); uploads stamp their own
    // fine-grained time so that versions of a path written within one tick differ in their ETag.
    public static unsafe FileWriteStatus SetModifiedTime(SafeFileHandle file, long unixNanoseconds)
    {
        BlockingGuard.Check("futimens");
        Libc.Timespec* times = stackalloc Libc.Timespec[2];
        times[0] = new Libc.Timespec { TvSec = 0, TvNsec = Libc.UTIME_OMIT };
        times[1] = new Libc.Timespec { TvSec = Math.DivRem(unixNanoseconds, 1_000_000_000L, out long nanoseconds), TvNsec = nanoseconds };
        return Libc.Futimens((int)file.DangerousGetHandle(), times) == 0 ? FileWriteStatus.Done : WriteStatusOf(Libc.LastErrno);
    }
}
