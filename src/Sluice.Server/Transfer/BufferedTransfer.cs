using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;

namespace Sluice.Server.Transfer;

// The seed's classic loop, kept on purpose as the measured baseline and the universal fallback:
// pread 32 KiB into a user buffer, send it, repeat — two system calls and two CPU copies per chunk.
// The response head rides in the first send (as nginx's copy path does with writev).
public sealed class BufferedTransfer : ITransferMechanism
{
    private readonly int _chunkBytes;

    public BufferedTransfer(int chunkBytes)
    {
        _chunkBytes = chunkBytes;
    }

    public TransferStrategy Strategy => TransferStrategy.Buffered;

    public async ValueTask<TransferOutcome> SendAsync(SocketWriter writer, ReadOnlyMemory<byte> head, FileBody body, TransferTally tally)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(head.Length + _chunkBytes);
        try
        {
            ReadOnlyMemory<byte> pending = head;
            for (int i = 0; i < body.Segments.Count; i++)
            {
                FileSegment segment = body.Segments[i];
                TransferOutcome outcome = await SendRangeAsync(writer, body.File, segment.Offset, segment.Length, Concat(pending, segment.Preamble), buffer, tally).ConfigureAwait(false);
                if (outcome != TransferOutcome.Completed)
                {
                    return outcome;
                }

                pending = ReadOnlyMemory<byte>.Empty;
            }

            return body.Epilogue.IsEmpty
                ? TransferOutcome.Completed
                : await writer.SendAsync(body.Epilogue, more: false, tally).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Sends `prefix` then [offset, offset+length) of file by pread + send. Also used by the other
    // mechanisms as their fallback when the kernel refuses their path.
    internal async ValueTask<TransferOutcome> SendRangeAsync(
        SocketWriter writer, SafeFileHandle file, long offset, long length, ReadOnlyMemory<byte> prefix, byte[] buffer, TransferTally tally)
    {
        int prefixLength = prefix.Length;
        if (prefixLength > 0 && prefixLength + _chunkBytes > buffer.Length)
        {
            TransferOutcome sent = await writer.SendAsync(prefix, more: true, tally).ConfigureAwait(false);
            if (sent != TransferOutcome.Completed)
            {
                return sent;
            }

            prefixLength = 0;
        }
        else
        {
            prefix.CopyTo(buffer);
        }

        long remaining = length;
        while (remaining > 0)
        {
            int want = (int)Math.Min(_chunkBytes, remaining);
            IoResult read = FilePal.Pread(file, buffer.AsSpan(prefixLength, want), offset);
            tally.Preads++;
            if (read.Status == IoStatus.EndOfFile)
            {
                // The file shrank below the Content-Length we promised: abort, never pad.
                return TransferOutcome.Truncated;
            }

            if (read.Status != IoStatus.Done)
            {
                return TransferOutcome.Failed;
            }

            tally.BytesRead += read.Bytes;
            offset += read.Bytes;
            remaining -= read.Bytes;
            TransferOutcome outcome = await writer.SendAsync(buffer.AsMemory(0, prefixLength + (int)read.Bytes), more: remaining > 0, tally).ConfigureAwait(false);
            if (outcome != TransferOutcome.Completed)
            {
                return outcome;
            }

            prefixLength = 0;
        }

        if (prefixLength > 0)
        {
            return await writer.SendAsync(buffer.AsMemory(0, prefixLength), more: true, tally).ConfigureAwait(false);
        }

        return TransferOutcome.Completed;
    }

    private static ReadOnlyMemory<byte> Concat(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b)
    {
        if (a.IsEmpty)
        {
            return b;
        }

        if (b.IsEmpty)
        {
            return a;
        }

        var joined = new byte[a.Length + b.Length];
        a.CopyTo(joined);
        b.CopyTo(joined.AsMemory(a.Length));
        return joined;
    }
}
