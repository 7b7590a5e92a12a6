using System.Buffers;
using System.Runtime.InteropServices;

namespace Sluice.Interop.Memory;

// Native memory aligned for O_DIRECT (buffer address, file offset and length must all be aligned).
// Exposed as Memory<byte> so the socket writer can send from it without copying.
public sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    private void* _pointer;
    private readonly bool _ownsMemory = true;

    public AlignedBuffer(int length, int alignment)
    {
        Length = length;
        Alignment = alignment;
        _pointer = NativeMemory.AlignedAlloc((nuint)length, (nuint)alignment);
    }

    // A slice of the pool's arena: the arena owns the memory, this buffer never frees it.
    internal AlignedBuffer(void* pointer, int length, int alignment)
    {
        Length = length;
        Alignment = alignment;
        _pointer = pointer;
        _ownsMemory = false;
        InArena = true;
    }

    // True for a slice of the pool's long-lived arena (the memory a ring may have registered).
    public bool InArena { get; }

    public int Length { get; }

    public int Alignment { get; }

    public nint Pointer => (nint)_pointer;

    public override Span<byte> GetSpan() => new(_pointer, Length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer != null && _ownsMemory)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
