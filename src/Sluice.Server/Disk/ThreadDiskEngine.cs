using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

// The thread engine: blocking reads on a few dedicated threads (nginx's `aio threads`). It is the
// engine wherever io_uring is refused (seccomp, kernel.io_uring_disabled, old kernels).
//
// Design note: .NET has no asynchronous file read on Linux — RandomAccess.ReadAsync is a blocking
// pread on a thread-pool thread. Running reads on the shared pool would let a slow disk starve the
// threads that accept, parse and send; a small dedicated set of threads bounds that.
//
// A disk thread never dies: an exception while executing a request (a bug, never an errno — those
// are results) completes that request as failed with the exception attached, and the thread goes
// on with the next one. Completions run their continuations on the thread pool
// (RunContinuationsAsynchronously), never here: a disk thread only ever waits on the disk.
//
// Metadata before data: an open or a listing (RunAsync) is what a request waits for before its
// first byte, and it is small; a data read (1 MiB of a cold stream, an 8 MiB populate) is large.
// In one FIFO, a hot request whose open missed the dentry cache waited behind every queued cold
// read (memory-pressure workload: hot p99 707 ms with this engine). So metadata has its own queue,
// which every thread looks at first, and one more thread that serves only it, so metadata never
// waits for a data read to finish either.
public sealed class ThreadDiskEngine : IDiskEngine
{
    private readonly BlockingCollection<DiskWork> _metadata = new(new ConcurrentQueue<DiskWork>());
    private readonly BlockingCollection<DiskWork> _data = new(new ConcurrentQueue<DiskWork>());
    private readonly BlockingCollection<DiskWork>[] _byPriority;
    private readonly Thread[] _threads;

    public ThreadDiskEngine(int threads, string threadName = "sluice-disk")
    {
        _byPriority = [_metadata, _data];
        _threads = new Thread[threads + 1];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{threadName}-{i}" };
            _threads[i].Start();
        }

        _threads[threads] = new Thread(WorkMetadata) { IsBackground = true, Name = $"{threadName}-meta" };
        _threads[threads].Start();
    }

    public string Name => "threads";

    public DiskEngineCounters Counters { get; } = new("threads");

    // Test seam: runs on the disk thread before each read, so a test can make a read throw.
    internal Action<DiskReadKind>? BeforeRead { get; set; }

    public Task<DiskReadResult> PopulateAsync(SafeFileHandle file, long offset, long length) =>
        Enqueue(new DiskRead(this, DiskReadKind.Populate, file, null, Memory<byte>.Empty, length, offset, 1, simulateUnsupported: false));

    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, AlignedBuffer buffer, int count, long offset, int alignment, bool simulateUnsupported) =>
        Enqueue(new DiskRead(this, kind, file, buffer, buffer.Memory, count, offset, alignment, simulateUnsupported));

    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, Memory<byte> buffer, int count, long offset)
    {
        Debug.Assert(kind is DiskReadKind.Dontcache or DiskReadKind.Buffered);
        return Enqueue(new DiskRead(this, kind, file, null, buffer, count, offset, 1, simulateUnsupported: false));
    }

    public Task<TResult> RunAsync<TState, TResult>(Func<TState, TResult> work, TState state)
    {
        var item = new DiskCall<TState, TResult>(this, work, state);
        Counters.Submitted();
        _metadata.Add(item);
        return item.Completion.Task;
    }

    public Task<TResult> RunDataAsync<TState, TResult>(Func<TState, TResult> work, TState state)
    {
        var item = new DiskCall<TState, TResult>(this, work, state);
        Counters.Submitted();
        _data.Add(item);
        return item.Completion.Task;
    }

    public void Dispose()
    {
        _metadata.CompleteAdding();
        _data.CompleteAdding();
    }

    private Task<DiskReadResult> Enqueue(DiskRead read)
    {
        Counters.Submitted();
        _data.Add(read);
        return read.Completion.Task;
    }

    // TakeFromAny tries the collections in order, so queued metadata is taken before data.
    private void Work()
    {
        BlockingGuard.MarkDiskThread();
        while (true)
        {
            DiskWork? work;
            try
            {
                BlockingCollection<DiskWork>.TakeFromAny(_byPriority, out work);
            }
            catch (ArgumentException)
            {
                return; // both queues completed and empty: disposed
            }

            work!.Execute();
        }
    }

    private void WorkMetadata()
    {
        BlockingGuard.MarkDiskThread();
        foreach (DiskWork work in _metadata.GetConsumingEnumerable())
        {
            work.Execute();
        }
    }

    private abstract class DiskWork
    {
        // Never throws.
        public abstract void Execute();
    }

    private sealed class DiskCall<TState, TResult>(ThreadDiskEngine engine, Func<TState, TResult> work, TState state) : DiskWork
    {
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute()
        {
            // Counted before the completion, so whoever awaits it sees the count.
            try
            {
                TResult result = work(state);
                engine.Counters.Completed();
                Completion.TrySetResult(result);
            }
            catch (Exception ex)
            {
                engine.Counters.Completed();
                Completion.TrySetException(ex);
            }
        }
    }

    private sealed class DiskRead(ThreadDiskEngine engine, DiskReadKind kind, SafeFileHandle file, AlignedBuffer? aligned, Memory<byte> buffer, long count, long offset, int alignment, bool simulateUnsupported) : DiskWork
    {
        public TaskCompletionSource<DiskReadResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute()
        {
            DiskReadResult result;
            try
            {
                engine.BeforeRead?.Invoke(kind);
                result = Read();
            }
            catch (Exception ex)
            {
                result = new DiskReadResult(new IoResult(IoStatus.Failed, 0), 0, ex);
            }

            engine.Counters.Completed();
            Completion.TrySetResult(result);
        }

        private DiskReadResult Read()
        {
            if (simulateUnsupported)
            {
                return new DiskReadResult(new IoResult(IoStatus.NotSupported, 0, 95), 1);
            }

            if (kind == DiskReadKind.Populate)
            {
                return DiskReading.Populate(file, offset, count);
            }

            int total = (int)count;
            Span<byte> span = buffer.Span[..total];
            int done = 0;
            int calls = 0;
            while (done < total)
            {
                calls++;
                // The native-memory pread maps EINVAL to NotSupported: that is how O_DIRECT refusal shows.
                IoResult result = kind switch
                {
                    DiskReadKind.Direct => FilePal.Pread(file, aligned!.Pointer + done, total - done, offset + done),
                    DiskReadKind.Dontcache => FilePal.PreadDontCache(file, span[done..], offset + done),
                    _ => FilePal.Pread(file, span[done..], offset + done),
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
                if (kind == DiskReadKind.Direct && result.Bytes % alignment != 0)
                {
                    break;
                }
            }

            return new DiskReadResult(IoResult.Moved(done), calls);
        }
    }
}
