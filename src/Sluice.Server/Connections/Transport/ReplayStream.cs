namespace Sluice.Server.Connections.Transport;

// The stream SslStream reads its handshake from when bytes were taken off the socket before it:
// a trusted proxy's PROXY header arrives in clear in front of the ClientHello, and one receive
// usually brings both. The connection parses the header from what it read and hands the rest
// back here (Replay); reads return those bytes first, then go to the socket. Writes go straight
// through. Nothing is replayed twice: once drained, the prefix is dropped.
public sealed class ReplayStream : Stream
{
    private readonly Stream _inner;
    private byte[]? _prefix;
    private int _prefixStart;

    public ReplayStream(Stream inner)
    {
        _inner = inner;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    // Called once, before the first read (the handshake), with the bytes read past the header.
    public void Replay(ReadOnlySpan<byte> bytes)
    {
        _prefix = bytes.IsEmpty ? null : bytes.ToArray();
        _prefixStart = 0;
    }

    public override int Read(Span<byte> buffer) =>
        TryReadPrefix(buffer, out int n) ? n : _inner.Read(buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        TryReadPrefix(buffer.Span, out int n) ? ValueTask.FromResult(n) : _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _inner.DisposeAsync();
    }

    private bool TryReadPrefix(Span<byte> buffer, out int n)
    {
        n = 0;
        if (_prefix is null)
        {
            return false;
        }

        // SslStream waits for data with a zero-byte read: with bytes pending, they are available
        // now (passing it to the socket would wait for bytes the client sends only after our reply).
        if (buffer.IsEmpty)
        {
            return true;
        }

        n = Math.Min(buffer.Length, _prefix.Length - _prefixStart);
        _prefix.AsSpan(_prefixStart, n).CopyTo(buffer);
        _prefixStart += n;
        if (_prefixStart == _prefix.Length)
        {
            _prefix = null;
        }

        return true;
    }
}
