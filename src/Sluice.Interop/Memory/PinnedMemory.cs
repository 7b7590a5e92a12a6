using System.Buffers;

namespace Sluice.Interop.Memory;

// The address of pinned managed memory, for a kernel request that writes into it later (a ring
// read): the server itself has no unsafe code.
public static class PinnedMemory
{
    public static unsafe MemoryHandle Pin(Memory<byte> memory, out nint address)
    {
        MemoryHandle handle = memory.Pin();
        address = (nint)handle.Pointer;
        return handle;
    }
}
