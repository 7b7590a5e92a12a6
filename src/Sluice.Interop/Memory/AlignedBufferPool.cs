using System.Collections.Concurrent;

namespace Sluice.Interop.Memory;

// A bounded pool of equally sized aligned buffers. Beyond the bound, returned buffers are freed,
// so a burst of large transfers does not pin memory forever.
public sealed class AlignedBufferPool : IDisposable
{
    private readonly ConcurrentBag<AlignedBuffer> _free = [];
    private readonly int _maxRetained;
    private int _retained;

    public AlignedBufferPool(int bufferBytes, int alignment, int maxRetained)
    {
        BufferBytes = bufferBytes;
        Alignment = alignment;
        _maxRetained = maxRetained;
    }

    public int BufferBytes { get; }

    public int Alignment { get; }

    public AlignedBuffer Rent()
    {
        if (_free.TryTake(out AlignedBuffer? buffer))
        {
            Interlocked.Decrement(ref _retained);
            return buffer;
        }

        return new AlignedBuffer(BufferBytes, Alignment);
    }

    public void Return(AlignedBuffer buffer)
    {
        if (Interlocked.Increment(ref _retained) <= _maxRetained)
        {
            _free.Add(buffer);
            return;
        }

        Interlocked.Decrement(ref _retained);
        ((IDisposable)buffer).Dispose();
    }

    public void Dispose()
    {
        while (_free.TryTake(out AlignedBuffer? buffer))
        {
            ((IDisposable)buffer).Dispose();
        }
    }
}
