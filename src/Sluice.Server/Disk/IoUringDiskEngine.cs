using System.Buffers;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

// The io_uring engine: file reads are handed to the kernel through one ring, and the process
// goes on serving while the disk works (the seed's asynchronous I/O).
//
// Design note. Threads: callers submit from any thread (Ring serialises the SQ); one reaper
// thread per ring blocks in io_uring_enter(GETEVENTS), resubmits short reads for the rest, and
// completes each request's TaskCompletionSource, whose continuations run on the thread pool —
// the reaper never runs socket work. At most Depth requests are in the kernel at once (one slot
// each, the slot index is the SQE's user_data); the CQ has twice as many entries, so it can
// never overflow. Requests beyond Depth wait in a queue that the reaper drains as slots free
// up: no submitter ever blocks. Populate and RunAsync go to a few helper threads: sendfile into
// /dev/null faults a range into the page cache without copying it to user space, which a ring
// read into a scratch buffer would (the ring has no "read into the cache only" opcode), and
// open/statx/getdents are blocking calls. Shutdown: Dispose stops new requests, wakes the
// reaper with a NOP, and the reaper unmaps the ring only when no request is in the kernel, so
// the kernel never writes into memory that was given back.
public sealed partial class IoUringDiskEngine : IDiskEngine
{
    // user_data of the NOP that wakes the reaper at shutdown; slots are small integers.
    private const ulong WakeUserData = ulong.MaxValue;

    // A read that keeps coming back EAGAIN is given up after this many tries (it should never
    // happen without RWF_NOWAIT; the bound keeps a kernel quirk from becoming a busy loop).
    private const int MaxRetries = 16;

    private readonly Ring _ring;
    private readonly ThreadDiskEngine _helpers;
    private readonly Thread _reaper;
    private readonly Lock _lock = new();
    private readonly RingRead?[] _slots;
    private readonly Stack<int> _freeSlots;
    private readonly Queue<RingRead> _waiting = new();
    private int _inFlight;
    private bool _disposing;
    // The registered arena: [start, end) is buffer 0 of the ring's registered buffers.
    private nint _registeredStart;
    private nint _registeredEnd;
    private long _fixedSubmissions;

    private IoUringDiskEngine(Ring ring, int helperThreads)
    {
        _ring = ring;
        Depth = (int)ring.SubmissionEntries;
        _slots = new RingRead?[Depth];
        _freeSlots = new Stack<int>(Enumerable.Range(0, Depth).Reverse());
        _helpers = new ThreadDiskEngine(helperThreads, "sluice-uring-helper");
        _reaper = new Thread(Reap) { IsBackground = true, Name = "sluice-uring-reaper" };
        _reaper.Start();
    }

    public string Name => "io_uring";

    public int Depth { get; }

    public DiskEngineCounters Counters { get; } = new("io_uring");

    public int RegisteredBuffers { get; private set; }

    // Submissions that went by READ_FIXED into the registered arena.
    public long FixedSubmissions => Interlocked.Read(ref _fixedSubmissions);

    // Test seam: runs on the reaper before a completion is handled, so a test can make it throw.
    internal Action? BeforeComplete { get; set; }

    // null with the reason when the kernel refuses io_uring or lacks what this engine needs.
    public static IoUringDiskEngine? TryCreate(int depth, int helperThreads, out RingSetupStatus status, out string reason)
    {
        status = Ring.TryCreate((uint)depth, out Ring? ring, out reason);
        return status == RingSetupStatus.Ready ? new IoUringDiskEngine(ring!, helperThreads) : null;
    }

    // Registers the pool's arena (or as much of it as RLIMIT_MEMLOCK lets the kernel pin: ENOMEM
    // halves the try) and returns how many buffers are registered. Call once, before any read.
    public int RegisterArena(AlignedBufferPool pool)
    {
        int buffers = pool.ArenaBuffers;
        while (buffers > 0 && _ring.SupportsReadFixed)
        {
            long bytes = (long)buffers * pool.BufferBytes;
            RingRegisterStatus status = _ring.TryRegisterBuffer(pool.ArenaAddress, bytes);
            if (status == RingRegisterStatus.Registered)
            {
                _registeredStart = pool.ArenaAddress;
                _registeredEnd = pool.ArenaAddress + (nint)bytes;
                RegisteredBuffers = buffers;
                return buffers;
            }

            if (status != RingRegisterStatus.OverLockedMemoryLimit)
            {
                break;
            }

            buffers /= 2;
        }

        return 0;
    }

    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, AlignedBuffer buffer, int count, long offset, int alignment, bool simulateUnsupported)
    {
        Debug.Assert(kind is DiskReadKind.Direct or DiskReadKind.Dontcache or DiskReadKind.Buffered);
        Debug.Assert(count <= buffer.Length);
        if (simulateUnsupported)
        {
            return Task.FromResult(new DiskReadResult(new IoResult(IoStatus.NotSupported, 0, 95), 1));
        }

        bool registered = buffer.Pointer >= _registeredStart && buffer.Pointer + count <= _registeredEnd;
        return Start(new RingRead(kind, file, buffer.Pointer, default, count, offset, alignment) { FixedBuffer = registered ? 0 : -1 });
    }

    public Task<DiskReadResult> ReadAsync(DiskReadKind kind, SafeFileHandle file, Memory<byte> buffer, int count, long offset)
    {
        Debug.Assert(kind is DiskReadKind.Dontcache or DiskReadKind.Buffered);
        Debug.Assert(count <= buffer.Length);
        // Pinned until the completion: the kernel writes into it while the request is in flight.
        MemoryHandle pin = PinnedMemory.Pin(buffer, out nint address);
        return Start(new RingRead(kind, file, address, pin, count, offset, 1));
    }

    public Task<DiskReadResult> PopulateAsync(SafeFileHandle file, long offset, long length) =>
        _helpers.PopulateAsync(file, offset, length);

    public Task<TResult> RunAsync<TState, TResult>(Func<TState, TResult> work, TState state) =>
        _helpers.RunAsync(work, state);

    // Upload writes are plain blocking calls on the helper threads' data queue (see IDiskEngine).
    public Task<TResult> RunDataAsync<TState, TResult>(Func<TState, TResult> work, TState state) =>
        _helpers.RunDataAsync(work, state);

    public void Dispose()
    {
        List<RingRead> abandoned;
        lock (_lock)
        {
            if (_disposing)
            {
                return;
            }

            _disposing = true;
            abandoned = [.. _waiting];
            _waiting.Clear();
        }

        foreach (RingRead read in abandoned)
        {
            read.Finish(new DiskReadResult(new IoResult(IoStatus.Failed, 0), read.Calls, new ObjectDisposedException(nameof(IoUringDiskEngine))));
        }

        // The reaper exits (and unmaps the ring) once nothing is in flight; the NOP wakes it if
        // nothing is. If the SQ is momentarily full, a completion is coming anyway.
        _ring.TrySubmitNop(WakeUserData);
        _helpers.Dispose();
    }

    private Task<DiskReadResult> Start(RingRead read)
    {
        bool added = false;
        try
        {
            // The descriptor number stays ours until the completion: a close meanwhile must not
            // let the number be reused for another file under the kernel's request.
            read.File.DangerousAddRef(ref added);
            read.OwnsFileReference = added;
        }
        catch (ObjectDisposedException ex)
        {
            read.Finish(new DiskReadResult(new IoResult(IoStatus.Failed, 0), 0, ex));
            return read.Completion.Task;
        }

        lock (_lock)
        {
            if (_disposing)
            {
                read.Finish(new DiskReadResult(new IoResult(IoStatus.Failed, 0), 0, new ObjectDisposedException(nameof(IoUringDiskEngine))));
                return read.Completion.Task;
            }

            if (!_freeSlots.TryPop(out int slot))
            {
                _waiting.Enqueue(read);
                return read.Completion.Task;
            }

            read.Slot = slot;
            _slots[slot] = read;
            _inFlight++;
        }

        Submit(read);
        return read.Completion.Task;
    }

    // Submits the rest of the read in its slot; a ring that cannot take it completes it as failed.
    private void Submit(RingRead read)
    {
        read.Calls++;
        Counters.Submitted();
        if (read.FixedBuffer >= 0)
        {
            Interlocked.Increment(ref _fixedSubmissions);
        }

        if (!_ring.TrySubmitRead(read.File, read.Address + read.Done, read.Count - read.Done, read.Offset + read.Done, read.RingKind, (ulong)read.Slot, read.FixedBuffer))
        {
            Release(read, new DiskReadResult(new IoResult(IoStatus.Failed, 0), read.Calls));
        }
    }
}
