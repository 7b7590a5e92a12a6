using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Sluice.Interop.Memory;

// Equally sized aligned buffers under a process-wide budget. Native memory is invisible to the
// GC, so without a bound, clients that stop reading could pin unbounded memory; with it, at most
// MaxBuffers × BufferBytes exist at any time. Idle buffers are kept for reuse up to the budget.
public sealed class AlignedBufferPool : IDisposable
{
    private readonly ConcurrentBag<AlignedBuffer> _free = [];
    private readonly SemaphoreSlim _budget;

    public AlignedBufferPool(int bufferBytes, int alignment, int maxBuffers)
    {
        BufferBytes = bufferBytes;
        Alignment = alignment;
        MaxBuffers = maxBuffers;
        _budget = new SemaphoreSlim(maxBuffers, maxBuffers);
    }

    public int BufferBytes { get; }

    public int Alignment { get; }

    public int MaxBuffers { get; }

    public int InUse => MaxBuffers - _budget.CurrentCount;

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

    public async ValueTask<AlignedBuffer> RentAsync()
    {
        await _budget.WaitAsync().ConfigureAwait(false);
        return Take();
    }

    public void Return(AlignedBuffer buffer)
    {
        _free.Add(buffer);
        _budget.Release();
    }

    public void Dispose()
    {
        while (_free.TryTake(out AlignedBuffer? buffer))
        {
            ((IDisposable)buffer).Dispose();
        }
    }

    private AlignedBuffer Take() => _free.TryTake(out AlignedBuffer? buffer) ? buffer : new AlignedBuffer(BufferBytes, Alignment);
}
