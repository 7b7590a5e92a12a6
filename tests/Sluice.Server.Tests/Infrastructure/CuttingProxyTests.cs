using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Server.Tests.Infrastructure;

// The cutting proxy itself, against the real server: it forwards whole exchanges untouched, and it
// cuts the first connection at exactly the byte count (the server never gets the rest of the
// request, the client gets no answer) while the next connection passes.
public sealed class CuttingProxyTests
{
    [Fact]
    public async Task ForwardsADownloadByteForByte()
    {
        await using var server = TestServer.Start();
        await using var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cutAfterBytes: long.MaxValue);
        string output = Path.Combine(server.BaseDirectory, "through-proxy.bin");

        (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", output, $"http://127.0.0.1:{proxy.Port}/random.bin");

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256OfFile(output));
        Assert.Equal(0, proxy.Cuts);
        Assert.True(proxy.ForwardedBytes > 0);
    }

    [Fact]
    public async Task CutsTheFirstConnectionAtTheByteCountAndPassesTheNext()
    {
        await using var server = TestServer.Start();
        await using var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Loopback, server.Port), cutAfterBytes: 10);
        byte[] request = Encoding.ASCII.GetBytes("GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        byte[] first = await ExchangeAsync(proxy.Port, request);
        Assert.Empty(first);
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(10, proxy.ForwardedBytes);

        byte[] second = await ExchangeAsync(proxy.Port, request);
        string answer = Encoding.ASCII.GetString(second);
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.EndsWith(TestServer.TinyText, answer, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(10 + request.Length, proxy.ForwardedBytes);
    }

    // Sends the request and reads until the end of stream or a reset; returns what arrived.
    private static async Task<byte[]> ExchangeAsync(int port, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        var received = new MemoryStream();
        try
        {
            await socket.SendAsync(request, timeout.Token);
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // A reset: the cut.
        }

        return received.ToArray();
    }
}
