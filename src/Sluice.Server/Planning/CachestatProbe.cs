using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Planning;

// The real probe: one cachestat(2) (mincore where the kernel lacks it) per measurement. Neither
// waits on the disk, so it runs inline on the thread that serves the socket.
internal struct CachestatProbe(SafeFileHandle file) : IResidencyProbe
{
    public int Calls { get; private set; }

    public double? Measure(long offset, long length)
    {
        Calls++;
        return PageCachePal.TryGetResidency(file, offset, length, out Residency residency) ? residency.Fraction : null;
    }
}
