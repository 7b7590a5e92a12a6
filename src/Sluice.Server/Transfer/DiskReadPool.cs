using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;

namespace Sluice.Server.Transfer;

public enum DiskReadKind : byte
{
    // pread on an O_DIRECT descriptor into an aligned buffer.
    Direct,
    // preadv2(RWF_DONTCACHE).
    Dontcache,
    // readahead(2) of a range that sendfile will then send: no buffer.
    Prefetch,
    // plain pread through the page cache: the last resort where RWF_DONTCACHE is refused.
    Buffered,
}

// Blocking disk reads on dedicated threads (nginx's `aio threads`).
//
// Design note: .NET has no asynchronous file read on Linux — RandomAccess.ReadAsync is a blocking
// pread on a thread-pool thread — and .NET 10 has no io_uring. Running reads on the shared pool
// would let a slow disk starve the threads that accept, parse and send; a small dedicated pool
// bounds that. Each read is "read fully": it loops over short reads until the count is met, the
// file ends (0), or — for O_DIRECT — a count that is not a multiple of the alignment shows the end
// of the file was reached (O_DIRECT only returns unaligned counts at EOF).
//
// A disk thread never dies: an exception while executing a read (a bug, never an errno — those
// are results) completes that read as failed with the exception attached, so its transfer aborts
// its connection and the thread goes on with the next read. Uncaught, it would end the process.
public sealed class DiskReadPool : IDisposable
{
    private readonly BlockingCollection<DiskRead> _queue = new(new ConcurrentQueue<DiskRead>());
    private readonly Thread[] _threads;

    public DiskReadPool(int threads)
    {
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"sluice-disk-{i}" };
            _threads[i].Start();
        }
    }

    // Test seam: runs on the disk thread before each read, so a test can make a read throw.
    internal Action<DiskReadKind>? BeforeRead { get; set; }

    // Runs readahead(2) for the range on a disk thread; the caller's continuation then runs on
    // that thread too, so a sendfile that still waits for pages waits there, not on an event thread.
    public Task<DiskReadResult> PrefetchAsync(SafeFileHandle file, long offset, long length)
    {
        var read = new DiskRead(DiskReadKind.Prefetch, file, null, Memory<byte>.Empty, (int)Math.Min(length, int.MaxValue), offset, 1, simulateUnsupported: false);
        _queue.Add(read);
        return read.Completion.Task;
    }

    // Reads count bytes at offset into an aligned buffer (Direct or Dontcache).
    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, AlignedBuffer buffer, int count, long offset, int alignment, bool simulateUnsupported)
    {
        var read = new DiskRead(kind, file, buffer, buffer.Memory, count, offset, alignment, simulateUnsupported);
        _queue.Add(read);
        return read.Completion.Task;
    }

    // Reads count bytes at offset into any memory (Dontcache or Buffered; Direct needs alignment).
    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, Memory<byte> buffer, int count, long offset)
    {
        Debug.Assert(kind is DiskReadKind.Dontcache or DiskReadKind.Buffered);
        var read = new DiskRead(kind, file, null, buffer, count, offset, 1, simulateUnsupported: false);
        _queue.Add(read);
        return read.Completion.Task;
    }

    public void Dispose() => _queue.CompleteAdding();

    private void Work()
    {
        foreach (DiskRead read in _queue.GetConsumingEnumerable())
        {
            DiskReadResult result;
            try
            {
                BeforeRead?.Invoke(read.Kind);
                result = Execute(read);
            }
            catch (Exception ex)
            {
                result = new DiskReadResult(new IoResult(IoStatus.Failed, 0), 0, ex);
            }

            // Continuations run inline here; one that throws must not take the thread down either
            // (TrySetResult runs them synchronously, and their exceptions surface in their tasks).
            read.Completion.TrySetResult(result);
        }
    }

    private static DiskReadResult Execute(DiskRead read)
    {
        if (read.SimulateUnsupported)
        {
            return new DiskReadResult(new IoResult(IoStatus.NotSupported, 0, 95), 1);
        }

        if (read.Kind == DiskReadKind.Prefetch)
        {
            bool started = FilePal.Readahead(read.File, read.Offset, read.Count);
            return new DiskReadResult(started ? IoResult.Moved(0) : new IoResult(IoStatus.Failed, 0), 1);
        }

        Span<byte> buffer = read.Buffer.Span[..read.Count];
        int done = 0;
        int calls = 0;
        while (done < read.Count)
        {
            calls++;
            // The native-memory pread maps EINVAL to NotSupported: that is how O_DIRECT refusal shows.
            IoResult result = read.Kind switch
            {
                DiskReadKind.Direct => FilePal.Pread(read.File, read.Aligned!.Pointer + done, read.Count - done, read.Offset + done),
                DiskReadKind.Dontcache => FilePal.PreadDontCache(read.File, buffer[done..], read.Offset + done),
                _ => FilePal.Pread(read.File, buffer[done..], read.Offset + done),
            };
            if (result.Status == IoStatus.EndOfFile)
            {
                break;
            }

            if (result.Status != IoStatus.Done)
            {
                return new DiskReadResult(result, calls);
            }

            done += (int)result.Bytes;
            if (read.Kind == DiskReadKind.Direct && result.Bytes % read.Alignment != 0)
            {
                break;
            }
        }

        return new DiskReadResult(IoResult.Moved(done), calls);
    }

    private sealed class DiskRead(DiskReadKind kind, SafeFileHandle file, AlignedBuffer? aligned, Memory<byte> buffer, int count, long offset, int alignment, bool simulateUnsupported)
    {
        public DiskReadKind Kind { get; } = kind;

        public SafeFileHandle File { get; } = file;

        // The buffer as native memory, for Direct; null for reads into heap memory.
        public AlignedBuffer? Aligned { get; } = aligned;

        // Empty only for Prefetch, which reads into the page cache and no buffer.
        public Memory<byte> Buffer { get; } = buffer;

        public int Count { get; } = count;

        public long Offset { get; } = offset;

        public int Alignment { get; } = alignment;

        public bool SimulateUnsupported { get; } = simulateUnsupported;

        // Continuations run inline on the disk thread: the chunk is sent (non-blocking) right where
        // it was read, without a hop through the thread pool.
        public TaskCompletionSource<DiskReadResult> Completion { get; } = new();
    }
}

// The outcome of one "read fully", how many read system calls it took, and the exception that
// interrupted it, if one did (then Result is Failed).
public readonly record struct DiskReadResult(IoResult Result, int Calls, Exception? Error = null);
