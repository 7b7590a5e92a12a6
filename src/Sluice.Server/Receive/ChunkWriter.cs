using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;

namespace Sluice.Server.Receive;

// How one upload's chunks reach its file (RecvWriteReceive): runs on the disk engine, one chunk
// at a time (the next Write is submitted only after the previous one completed, so the state
// below needs no locking). Strategy is what really wrote the bytes, after any fallback.
internal abstract class ChunkWriter : IDisposable
{
    public abstract ReceiveStrategy Strategy { get; }

    public long WriteCalls { get; protected set; }

    // How many bytes the next chunk at fileOffset should hold (at most capacity, at least 1).
    public virtual int NextChunk(long fileOffset, long remaining, int capacity) => (int)Math.Min(remaining, capacity);

    // Writes the first count bytes of buffer at offset; Bytes is what reached the file.
    public abstract ReceiveIoResult Write(AlignedBuffer buffer, int count, long offset);

    public virtual void Dispose()
    {
    }
}
