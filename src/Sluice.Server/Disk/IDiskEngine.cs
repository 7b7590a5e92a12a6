using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Memory;

namespace Sluice.Server.Disk;

// The disk engine: the one place where the server waits on the disk. Threads that serve sockets
// hand it every read that may miss the page cache, every range sendfile would have to fault in,
// and every piece of file-system work that may block (an open or statx of an uncached path, a
// directory listing), and go on serving while it works.
//
// Contract for every implementation:
//  - a read is "read fully": it loops over short reads until the count is met, the file ends, or
//    (O_DIRECT) an unaligned count shows the end of the file; Calls says how many read requests it took;
//  - errno never escapes: outcomes are IoResult statuses; an exception thrown while executing a
//    request (a bug) completes that request as Failed with the exception attached, and the
//    engine goes on with the next one;
//  - the returned tasks never complete on the engine's own threads: continuations run on the
//    thread pool, so a disk thread (or a ring's reaper) never runs socket work or the next
//    request's parse and describe;
//  - every thread that runs blocking file calls for the engine calls BlockingGuard.MarkDiskThread()
//    first, so the Debug guard tells it from a thread that serves sockets.
public interface IDiskEngine : IDisposable
{
    // "io_uring" or "threads": the name the log and /metrics use.
    string Name { get; }

    // count bytes at offset into native aligned memory (Direct, Dontcache or Buffered).
    // simulateUnsupported: answer as a kernel that refuses the read would (tests, --force-fallback).
    Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, AlignedBuffer buffer, int count, long offset, int alignment, bool simulateUnsupported);

    // count bytes at offset into managed memory (Dontcache or Buffered; Direct needs alignment).
    Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, Memory<byte> buffer, int count, long offset);

    // Brings [offset, offset+length) of file into the page cache and completes once it is there,
    // so that sendfile of the range afterwards does not wait on the disk.
    Task<DiskReadResult> PopulateAsync(SafeFileHandle file, long offset, long length);

    // Runs blocking file-system work that is not a read of file data (open, statx, a listing).
    Task<TResult> RunAsync<TState, TResult>(Func<TState, TResult> work, TState state);

    // Runs blocking work on file data that is not a read (an upload's writes, its writeback waits):
    // queued with the data reads, behind any metadata work, so a large write never delays the
    // open or statx a request is waiting for.
    Task<TResult> RunDataAsync<TState, TResult>(Func<TState, TResult> work, TState state);
}
