using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Server.Receive;

namespace Sluice.Server.Tests.Uploads.Tus;

// A real RequestBody over bytes in memory, handed out in pieces of a chosen size — the input the
// tus handler is tested with before the connection's body (h3) exists. cutAfter ends the body
// early as a client that closed would (PeerGone) after that many bytes.
internal sealed class ByteArrayRequestBody : RequestBody
{
    private readonly byte[] _bytes;
    private readonly int _piece;
    private readonly long? _declared;
    private readonly long _end;
    private long _consumed;

    public ByteArrayRequestBody(byte[] bytes, int piece, bool declareLength = true, long? cutAfter = null)
    {
        _bytes = bytes;
        _piece = piece;
        _declared = declareLength ? bytes.Length : null;
        _end = Math.Min(cutAfter ?? bytes.Length, bytes.Length);
    }

    public int WriteCalls { get; private set; }

    public override long? DeclaredLength => _declared;

    public override long Consumed => _consumed;

    public override bool IsComplete => _consumed == _bytes.Length;

    public override ValueTask<BodyRead> ReadAsync(Memory<byte> buffer)
    {
        if (_consumed == _end)
        {
            return new(new BodyRead(0, _end == _bytes.Length ? ReceiveOutcome.Completed : ReceiveOutcome.PeerGone));
        }

        int count = (int)Math.Min(Math.Min(_piece, buffer.Length), _end - _consumed);
        _bytes.AsSpan((int)_consumed, count).CopyTo(buffer.Span);
        _consumed += count;
        return new(new BodyRead(count, ReceiveOutcome.Completed));
    }

    public override async ValueTask<ReceiveResult> WriteToAsync(SafeFileHandle file, long offset, long maxBytes)
    {
        long written = 0;
        while (_consumed < _end)
        {
            if (written == maxBytes)
            {
                return new ReceiveResult(ReceiveOutcome.TooLarge, written, ReceiveStrategy.Buffered);
            }

            int count = (int)Math.Min(Math.Min(_piece, maxBytes - written), _end - _consumed);
            // Off the caller's thread, as the real mechanisms write.
            await Task.Run(() => RandomAccess.Write(file, _bytes.AsSpan((int)_consumed, count), offset + written)).ConfigureAwait(false);
            WriteCalls++;
            _consumed += count;
            written += count;
        }

        return new ReceiveResult(_end == _bytes.Length ? ReceiveOutcome.Completed : ReceiveOutcome.PeerGone, written, ReceiveStrategy.Buffered);
    }
}
