using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Server.Tests.Infrastructure;

// A deliberately dumb HTTP/1.1 client over a raw socket: it sends exactly the bytes a test writes
// (no normalisation of paths, no added fields), reads heads with the core's response-head parser
// and frames bodies strictly by Content-Length.
// Every read is bounded in time, so a server that hangs fails the test instead of hanging it.
internal sealed class RawHttpConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
    }

    public Socket Socket => _socket;

    // Bytes received but not yet consumed by a parsed response.
    public int Buffered => _end - _start;

    // To any endpoint (IPv6 included), optionally from a chosen local address (127.0.0.2 is another client).
    public static async Task<RawHttpConnection> ConnectAsync(IPEndPoint remote, IPAddress? from = null)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(DefaultTimeout);
        try
        {
            if (from is not null)
            {
                socket.Bind(new IPEndPoint(from, 0));
            }

            await socket.ConnectAsync(remote, cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawHttpConnection(socket);
    }

    public static async Task<RawHttpConnection> ConnectAsync(int port, int receiveBufferSize = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize > 0)
        {
            // Before connect, so the window scale is negotiated for it.
            socket.ReceiveBufferSize = receiveBufferSize;
        }

        using var cts = new CancellationTokenSource(DefaultTimeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawHttpConnection(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        while (!bytes.IsEmpty)
        {
            int n = await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
            bytes = bytes[n..];
        }
    }

    // Reads one response. Bodies are framed by Content-Length only (the server never chunks).
    public async Task<RawResponse> ReadResponseAsync(bool isHead = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        RawResponse head = await ReadHeadAsync(cts.Token);
        // RFC 9112 §6.3 framing as the core reads it: none for HEAD, 1xx, 204 and 304.
        long length = head.Head.BodyLength(isHead) ?? throw new IOException($"response without Content-Length:\n{head}");

        byte[] body = await ReadExactlyAsync(length, cts.Token);
        return new RawResponse(head.Head, body);
    }

    // Reads only the status line and fields; the body (if any) stays to be read by the caller.
    public async Task<RawResponse> ReadHeadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        return await ReadHeadAsync(cts.Token);
    }

    private async Task<RawResponse> ReadHeadAsync(CancellationToken cancellationToken)
    {
        HttpResponseHead? head;
        int consumed;
        while ((head = RawResponse.TryReadHead(_buffer.AsSpan(_start, _end - _start), out consumed)) is null)
        {
            if (await FillAsync(cancellationToken, "a response head") == 0)
            {
                throw new IOException($"connection closed before a complete response head; got: '{Encoding.Latin1.GetString(_buffer, _start, _end - _start)}'");
            }
        }

        _start += consumed;
        return new RawResponse(head, []);
    }

    // Reads up to `length` body bytes, or until the peer closes; returns what arrived.
    public async Task<byte[]> ReadUpToAsync(long length, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var collected = new MemoryStream();
        while (collected.Length < length)
        {
            if (_end == _start && await FillAsync(cts.Token, "body bytes", treatResetAsClose: true) == 0)
            {
                break;
            }

            int take = (int)Math.Min(length - collected.Length, _end - _start);
            collected.Write(_buffer, _start, take);
            _start += take;
        }

        return collected.ToArray();
    }

    // Reads until the peer closes (FIN or RST) and returns every byte that arrived first.
    // Throws TimeoutException when the connection is still open after `timeout`.
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (await FillAsync(cts.Token, "the connection to close", treatResetAsClose: true) > 0)
        {
        }

        byte[] rest = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end = 0;
        return rest;
    }

    public void Abort()
    {
        // RST instead of FIN, like a client that crashes.
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadExactlyAsync(long length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        long filled = 0;
        while (filled < length)
        {
            if (_end == _start && await FillAsync(cancellationToken, "a response body") == 0)
            {
                throw new IOException($"connection closed after {filled} of {length} body bytes");
            }

            int take = (int)Math.Min(length - filled, _end - _start);
            Buffer.BlockCopy(_buffer, _start, body, (int)filled, take);
            _start += take;
            filled += take;
        }

        return body;
    }

    private async Task<int> FillAsync(CancellationToken cancellationToken, string waitingFor, bool treatResetAsClose = false)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        try
        {
            int n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            _end += n;
            return n;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out waiting for {waitingFor} ({_end - _start} unparsed bytes buffered)");
        }
        catch (SocketException ex) when (treatResetAsClose && ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }
}
