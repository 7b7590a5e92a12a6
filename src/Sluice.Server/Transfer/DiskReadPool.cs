using System.Collections.Concurrent;
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
}

// Blocking disk reads on dedicated threads (nginx's `aio threads`).
//
// Design note: .NET has no asynchronous file read on Linux — RandomAccess.ReadAsync is a blocking
// pread on a thread-pool thread — and .NET 10 has no io_uring. Running reads on the shared pool
// would let a slow disk starve the threads that accept, parse and send; a small dedicated pool
// bounds that. Each read is "read fully": it loops over short reads until the count is met, the
// file ends (0), or — for O_DIRECT — a count that is not a multiple of the alignment shows the end
// of the file was reached (O_DIRECT only returns unaligned counts at EOF).
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

    // Runs readahead(2) for the range on a disk thread; the caller's continuation then runs on
    // that thread too, so a sendfile that still waits for pages waits there, not on an event thread.
    public Task<DiskReadResult> PrefetchAsync(SafeFileHandle file, long offset, long length)
    {
        var read = new DiskRead(DiskReadKind.Prefetch, file, null, (int)Math.Min(length, int.MaxValue), offset, 1, simulateUnsupported: false);
        _queue.Add(read);
        return read.Completion.Task;
    }

    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, AlignedBuffer buffer, int count, long offset, int alignment, bool simulateUnsupported)
    {
        var read = new DiskRead(kind, file, buffer, count, offset, alignment, simulateUnsupported);
        _queue.Add(read);
        return read.Completion.Task;
    }

    public void Dispose() => _queue.CompleteAdding();

    private void Work()
    {
        foreach (DiskRead read in _queue.GetConsumingEnumerable())
        {
            read.Completion.TrySetResult(Execute(read));
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

        int done = 0;
        int calls = 0;
        while (done < read.Count)
        {
            calls++;
            IoResult result = read.Kind == DiskReadKind.Direct
                ? FilePal.Pread(read.File, read.Buffer!.Pointer + done, read.Count - done, read.Offset + done)
                : FilePal.PreadDontCache(read.File, read.Buffer!.GetSpan().Slice(done, read.Count - done), read.Offset + done);
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

    private sealed class DiskRead(DiskReadKind kind, SafeFileHandle file, AlignedBuffer? buffer, int count, long offset, int alignment, bool simulateUnsupported)
    {
        public DiskReadKind Kind { get; } = kind;

        public SafeFileHandle File { get; } = file;

        // Null only for Prefetch, which reads into the page cache and no buffer.
        public AlignedBuffer? Buffer { get; } = buffer;

        public int Count { get; } = count;

        public long Offset { get; } = offset;

        public int Alignment { get; } = alignment;

        public bool SimulateUnsupported { get; } = simulateUnsupported;

        // Continuations run inline on the disk thread: the chunk is sent (non-blocking) right where
        // it was read, without a hop through the thread pool.
        public TaskCompletionSource<DiskReadResult> Completion { get; } = new();
    }
}

// The outcome of one "read fully" and how many read system calls it took.
public readonly record struct DiskReadResult(IoResult Result, int Calls);
