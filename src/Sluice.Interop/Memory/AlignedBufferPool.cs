using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Diagnostics.CodeAnalysis;

namespace Sluice.Interop.Memory;

// Equally sized aligned buffers under a process-wide budget. Native memory is invisible to the
// GC, so without a bound, clients that stop reading could pin unbounded memory; with it, at most
// MaxBuffers × BufferBytes exist at any time. At most MaxIdle idle buffers are kept for reuse;
// the rest go back to the system, so a burst of large transfers does not leave memory pinned.
//
// There is deliberately no unbounded wait: a full budget usually means other connections hold
// their buffers (clients that stopped reading keep them until their send deadline), and a
// transfer that waited on them would stall for as long as they do. Callers either take a buffer
// that is free (TryRent) or wait a bounded, cancellable time (RentAsync) and then go another way.
//
// The arena: arenaBuffers buffers carved once from one allocation that lives as long as the
// pool, so an io_uring can register it (IORING_REGISTER_BUFFERS pins it) and read into it with
// READ_FIXED. Arena buffers are handed out first and never freed on return.
public sealed class AlignedBufferPool : IDisposable
{
    private readonly ConcurrentBag<AlignedBuffer> _free = [];
    private readonly ConcurrentBag<AlignedBuffer> _arenaFree = [];
    private nint _arena;
    private readonly SemaphoreSlim _budget;
    private int _idle;
    private long _rents;

    public unsafe AlignedBufferPool(int bufferBytes, int alignment, int maxBuffers, int maxIdle = 4, int arenaBuffers = 0)
    {
        BufferBytes = bufferBytes;
        Alignment = alignment;
        MaxBuffers = maxBuffers;
        MaxIdle = maxIdle;
        _budget = new SemaphoreSlim(maxBuffers, maxBuffers);
        ArenaBuffers = Math.Clamp(arenaBuffers, 0, maxBuffers);
        if (ArenaBuffers > 0)
        {
            _arena = (nint)NativeMemory.AlignedAlloc((nuint)ArenaBytes, (nuint)alignment);
            for (int i = ArenaBuffers - 1; i >= 0; i--)
            {
                _arenaFree.Add(new AlignedBuffer((byte*)_arena + ((long)i * bufferBytes), bufferBytes, alignment));
            }
        }
    }

    public int ArenaBuffers { get; }

    public long ArenaBytes => (long)ArenaBuffers * BufferBytes;

    public nint ArenaAddress => _arena;

    public int BufferBytes { get; }

    public int Alignment { get; }

    public int MaxBuffers { get; }

    public int MaxIdle { get; }

    public int InUse => MaxBuffers - _budget.CurrentCount;

    // Buffers handed out since start: with InUse, tells a full budget whose holders are stuck
    // (Rents stands still) from one that is busy (Rents moves).
    public long Rents => Interlocked.Read(ref _rents);

    public bool TryRent([NotNullWhen(true)] out AlignedBuffer? buffer)
    {
        if (!_budget.Wait(0))
        {
            buffer = null;
            return false;
        }

        buffer = Take();
        return true;
    }

    // Waits at most `timeout` for a buffer: null when none came free in time. Throws
    // OperationCanceledException when the token is cancelled (the connection or server aborts).
    public async ValueTask<AlignedBuffer?> RentAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await _budget.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return Take();
    }

    public void Return(AlignedBuffer buffer)
    {
        if (buffer.InArena)
        {
            _arenaFree.Add(buffer);
        }
        else if (Interlocked.Increment(ref _idle) <= MaxIdle)
        {
            _free.Add(buffer);
        }
        else
        {
            Interlocked.Decrement(ref _idle);
            ((IDisposable)buffer).Dispose();
        }

        _budget.Release();
    }

    public unsafe void Dispose()
    {
        while (_free.TryTake(out AlignedBuffer? buffer))
        {
            ((IDisposable)buffer).Dispose();
        }

        // A buffer still rented may still be the target of a read in the kernel: then the arena
        // is left allocated rather than freed under it.
        if (_arena != 0 && InUse == 0)
        {
            NativeMemory.AlignedFree((void*)_arena);
            _arena = 0;
        }
    }

    private AlignedBuffer Take()
    {
        Interlocked.Increment(ref _rents);
        if (_arenaFree.TryTake(out AlignedBuffer? buffer))
        {
            return buffer;
        }

        if (_free.TryTake(out buffer))
        {
            Interlocked.Decrement(ref _idle);
            return buffer;
        }

        return new AlignedBuffer(BufferBytes, Alignment);
    }
}
