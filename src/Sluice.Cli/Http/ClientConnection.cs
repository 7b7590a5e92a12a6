using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Win32.SafeHandles;
using Sluice.Cli.Put;
using Sluice.Core.Http;

namespace Sluice.Cli.Http;

// One HTTP/1.1 connection of `sluice put` and `sluice get`: a socket, TLS over it for https, and a receive buffer read
// by HttpResponseHeadParser and ChunkedDecoder. Raw sockets rather than HttpClient because the client
// must control what HttpClient hides: when the body starts after `Expect: 100-continue` (and that a
// final answer arriving early stops the body), exactly which bytes reached the socket before a cut,
// and (for put) one connection per request, so a retry never reuses a half-dead one and an answer
// given before the body (after Expect) never leaves the framing in doubt; `get` keeps a connection
// for many ranged requests and opens a new one after any failure. Every read and write is
// bounded by the idle timeout; an expired one surfaces as an IOException like any other cut.
internal sealed class ClientConnection : IAsyncDisposable
{
    private const int BufferBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeSpan _idleTimeout;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    private ClientConnection(Socket socket, Stream stream, TimeSpan idleTimeout)
    {
        _socket = socket;
        _stream = stream;
        _idleTimeout = idleTimeout;
    }

    public static async Task<ClientConnection> OpenAsync(PutTarget target, X509Certificate2Collection? trustedRoots, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (CancellationTokenSource timeout = Bounded(idleTimeout, cancellationToken))
            {
                await socket.ConnectAsync(target.Host, target.Port, timeout.Token).ConfigureAwait(false);
            }

            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (target.IsTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                var options = new SslClientAuthenticationOptions { TargetHost = target.Host };
                if (trustedRoots is not null)
                {
                    // --cacert: trust exactly these roots instead of the system's (curl's meaning).
                    options.CertificateChainPolicy = new X509ChainPolicy
                    {
                        TrustMode = X509ChainTrustMode.CustomRootTrust,
                        RevocationMode = X509RevocationMode.NoCheck,
                    };
                    options.CertificateChainPolicy.CustomTrustStore.AddRange(trustedRoots);
                }

                using CancellationTokenSource timeout = Bounded(idleTimeout, cancellationToken);
                await tls.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            return new ClientConnection(socket, stream, idleTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = Bounded(_idleTimeout, cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"no progress sending for {_idleTimeout.TotalSeconds:0} s");
        }
    }

    // idleBounded: false for the read that waits for the final answer while the body is still being
    // sent (the server answers only at the end; the sender's own writes are bounded).
    public async Task<HttpResponseHead> ReadHeadAsync(CancellationToken cancellationToken, bool idleBounded = true)
    {
        while (true)
        {
            ParseStatus status = HttpResponseHeadParser.TryParse(_buffer.AsSpan(_start, _end - _start), out HttpResponseHead? head, out int consumed);
            if (status == ParseStatus.Complete)
            {
                _start += consumed;
                return head!;
            }

            if (status == ParseStatus.Invalid)
            {
                throw new InvalidDataException("the server sent a malformed response head");
            }

            if (await FillAsync(cancellationToken, idleBounded).ConfigureAwait(false) == 0)
            {
                throw new IOException("the server closed the connection before its response head ended");
            }
        }
    }

    // The response body, at most maxBytes of it kept (for an error message); the rest is read and dropped.
    public async Task<byte[]> ReadBodyAsync(HttpResponseHead head, bool requestWasHead, int maxBytes, CancellationToken cancellationToken)
    {
        var kept = new MemoryStream();
        if (head.IsChunked)
        {
            var decoder = new ChunkedDecoder();
            while (true)
            {
                ChunkedStatus status = decoder.Decode(_buffer.AsSpan(_start, _end - _start), out int consumed, out int offset, out int dataLength);
                if (status == ChunkedStatus.Data && kept.Length < maxBytes)
                {
                    kept.Write(_buffer, _start + offset, (int)Math.Min(dataLength, maxBytes - kept.Length));
                }

                _start += consumed;
                if (status == ChunkedStatus.Done)
                {
                    return kept.ToArray();
                }

                if (status == ChunkedStatus.Invalid)
                {
                    throw new InvalidDataException("the server sent a malformed chunked body");
                }

                if (status == ChunkedStatus.NeedMore && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IOException("the server closed the connection inside a chunked body");
                }
            }
        }

        long? length = head.BodyLength(requestWasHead);
        long remaining = length ?? long.MaxValue;
        while (remaining > 0)
        {
            if (_start == _end && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                if (length is null)
                {
                    break; // delimited by the close (RFC 9112 §6.3, item 8)
                }

                throw new IOException("the server closed the connection inside a response body");
            }

            int take = (int)Math.Min(remaining, _end - _start);
            kept.Write(_buffer, _start, (int)Math.Min(take, Math.Max(0, maxBytes - kept.Length)));
            _start += take;
            remaining -= take;
        }

        return kept.ToArray();
    }

    // `sluice get`: the response body written at offset.. of file by positional writes straight
    // from the receive buffer (no second copy), written(count) told after each write; returns the
    // body's length. Chunked and close-delimited bodies too (the single-stream fallback).
    public async Task<long> ReadBodyToFileAsync(HttpResponseHead head, SafeFileHandle file, long offset, Action<int> written, CancellationToken cancellationToken)
    {
        long total = 0;
        if (head.IsChunked)
        {
            var decoder = new ChunkedDecoder();
            while (true)
            {
                ChunkedStatus status = decoder.Decode(_buffer.AsSpan(_start, _end - _start), out int consumed, out int at, out int dataLength);
                if (status == ChunkedStatus.Data && dataLength > 0)
                {
                    RandomAccess.Write(file, _buffer.AsSpan(_start + at, dataLength), offset + total);
                    total += dataLength;
                    written(dataLength);
                }

                _start += consumed;
                if (status == ChunkedStatus.Done)
                {
                    return total;
                }

                if (status == ChunkedStatus.Invalid)
                {
                    throw new InvalidDataException("the server sent a malformed chunked body");
                }

                if (status == ChunkedStatus.NeedMore && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IOException("the server closed the connection inside a chunked body");
                }
            }
        }

        long? length = head.BodyLength(requestWasHead: false);
        long remaining = length ?? long.MaxValue;
        while (remaining > 0)
        {
            if (_start == _end && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                if (length is null)
                {
                    break; // delimited by the close (RFC 9112 §6.3, item 8)
                }

                throw new IOException("the server closed the connection inside a response body");
            }

            int take = (int)Math.Min(remaining, _end - _start);
            RandomAccess.Write(file, _buffer.AsSpan(_start, take), offset + total);
            _start += take;
            remaining -= take;
            total += take;
            written(take);
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    private async Task<int> FillAsync(CancellationToken cancellationToken, bool idleBounded = true)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            if (_end == _buffer.Length)
            {
                throw new InvalidDataException($"the server's response head is larger than {BufferBytes} bytes");
            }
        }

        using CancellationTokenSource timeout = idleBounded ? Bounded(_idleTimeout, cancellationToken) : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int n;
        try
        {
            n = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"no answer from the server for {_idleTimeout.TotalSeconds:0} s");
        }

        _end += n;
        return n;
    }

    private static CancellationTokenSource Bounded(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout);
        return source;
    }
}
