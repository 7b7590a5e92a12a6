using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

// Blocking disk work shared by the engines' threads.
internal static class DiskReading
{
    // Faults [offset, offset+length) into the page cache and returns once it is there: sendfile(2)
    // into /dev/null reads the pages as a sendfile to a socket would, but copies nothing to user
    // space. (readahead(2) only starts the I/O; a sendfile after it could still wait on the disk.)
    public static DiskReadResult Populate(SafeFileHandle file, long offset, long length)
    {
        long end = offset + length;
        int calls = 0;
        while (offset < end)
        {
            calls++;
            IoResult result = FilePal.SendfileToNull(file, ref offset, end - offset);
            if (result.Status == IoStatus.EndOfFile)
            {
                break;
            }

            if (result.Status != IoStatus.Done)
            {
                return new DiskReadResult(result, calls);
            }
        }

        return new DiskReadResult(IoResult.Moved(length - Math.Max(0, end - offset)), calls);
    }
}
