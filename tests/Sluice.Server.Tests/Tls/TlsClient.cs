using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sluice.Core.Http;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Tls;

// An SslStream client on loopback that trusts only the given certificates (custom root trust, so
// a wrong certificate fails the handshake) and speaks the same strict HTTP/1.1 as RawHttpConnection:
// responses framed by Content-Length, every read bounded in time.
internal sealed class TlsClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private readonly SslStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private TlsClient(SslStream stream)
    {
        _stream = stream;
    }

    public SslStream Stream => _stream;

    public X509Certificate2 ServerCertificate => new(_stream.RemoteCertificate!);

    public static async Task<TlsClient> ConnectAsync(int port, SslProtocols protocols, int receiveBufferSize = 0, params X509Certificate2[] trusted)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = receiveBufferSize;
        }

        SslStream? stream = null;
        try
        {
            using var cts = new CancellationTokenSource(s_timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(trusted);
            await stream.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocols,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    CertificateChainPolicy = policy,
                },
                cts.Token);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            socket.Dispose();
            throw;
        }

        return new TlsClient(stream);
    }

    // TLS over a stream the test prepared, e.g. a socket that already carried a PROXY header in clear.
    public static async Task<TlsClient> AuthenticateAsync(Stream transport, params X509Certificate2[] trusted)
    {
        var stream = new SslStream(transport);
        try
        {
            using var cts = new CancellationTokenSource(s_timeout);
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(trusted);
            await stream.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    CertificateChainPolicy = policy,
                },
                cts.Token);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }

        return new TlsClient(stream);
    }

    public async Task SendAsync(string text)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(text), cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    public async Task<RawResponse> GetAsync(string target, string extraHeaders = "")
    {
        await SendAsync($"GET {target} HTTP/1.1\r\nHost: localhost\r\n{extraHeaders}\r\n");
        return await ReadResponseAsync();
    }

    public async Task<RawResponse> ReadResponseAsync()
    {
        RawResponse head = await ReadHeadAsync();
        byte[] body = await ReadBodyAsync(head.ContentLength ?? throw new IOException($"no Content-Length in\n{head}"));
        return new RawResponse(head.Head, body);
    }

    public async Task<RawResponse> ReadHeadAsync()
    {
        using var cts = new CancellationTokenSource(s_timeout);
        HttpResponseHead? head;
        int consumed;
        while ((head = RawResponse.TryReadHead(_buffer.AsSpan(_start, _end - _start), out consumed)) is null)
        {
            if (await FillAsync(cts.Token) == 0)
            {
                throw new IOException("connection closed before a complete response head");
            }
        }

        _start += consumed;
        return new RawResponse(head, []);
    }

    public async Task<byte[]> ReadBodyAsync(long length)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        byte[] body = new byte[length];
        long filled = 0;
        while (filled < length)
        {
            if (_end == _start && await FillAsync(cts.Token) == 0)
            {
                throw new IOException($"connection closed after {filled} of {length} body bytes");
            }

            int take = (int)Math.Min(length - filled, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(body.AsSpan((int)filled));
            _start += take;
            filled += take;
        }

        return body;
    }

    // Reads until the server closes (close_notify or FIN); returns what arrived after the last response.
    public async Task<int> ReadToEndAsync()
    {
        using var cts = new CancellationTokenSource(s_timeout);
        int extra = _end - _start;
        _start = _end = 0;
        int n;
        while ((n = await FillAsync(cts.Token)) > 0)
        {
            extra += n;
            _start = _end = 0;
        }

        return extra;
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private async Task<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += n;
        return n;
    }
}
