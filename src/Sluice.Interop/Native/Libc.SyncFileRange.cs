using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

internal static partial class Libc
{
    internal const uint SYNC_FILE_RANGE_WAIT_BEFORE = 1;
    internal const uint SYNC_FILE_RANGE_WRITE = 2;
    internal const uint SYNC_FILE_RANGE_WAIT_AFTER = 4;

    // Starts and/or waits for writeback of a range's dirty pages. It makes no durability promise
    // (no metadata, no device flush: fsync still does that); here it only turns dirty pages clean
    // so that POSIX_FADV_DONTNEED can drop them — DONTNEED skips dirty and writeback pages.
    [LibraryImport(Name, EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(int fd, long offset, long count, uint flags);
}
