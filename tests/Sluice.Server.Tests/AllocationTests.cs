using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Server.Tests;

// Garbage per request on the hot path (issue 9): a warm file from the open-file cache, served on
// one keep-alive connection. A gen0 collection stops both event threads, so every byte allocated
// per request shows up in the tail latency.
//
// GC.GetTotalAllocatedBytes counts the whole process, client included, so the client here
// allocates nothing per request: blocking socket calls (a socket never used asynchronously
// issues plain send/recv), one preformatted request, one receive buffer, the body compared in
// place. The collection runs alone, so no other test's garbage lands in the window.
[Collection(SerialCollection.Name)]
public sealed class AllocationTests(ITestOutputHelper output)
{
    private const int FileLength = 4096;
    // Tier-0 code (before tiered compilation promotes a method, ~30 calls plus a background
    // delay) boxes where tier-1 code does not: the first test of a process measured ~190 B/request
    // after 500 warm-up requests and 0.2 after 4,000.
    private const int WarmupRequests = 4_000;
    private const int Windows = 6;
    private const int RequestsPerWindow = 1_000;

    // Measured 0.0–0.2 B/request once FileBody, the segment array and the target, host and path
    // strings were reused or avoided (341 B before, in-process; a Host string alone was 40 B).
    // The bound leaves room for runtime noise in the quietest window, not for one object per
    // request: the smallest object on a 64-bit runtime takes 24 B.
    private const double MaxBytesPerRequest = 16;

    [Theory]
    [InlineData(StrategyOption.Auto)]
    [InlineData(StrategyOption.Sendfile)]
    [InlineData(StrategyOption.Buffered)]
    public async Task WarmKeepAliveRequestsAllocateAlmostNothing(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy, o => o with { Quiet = true });
        byte[] content = Fixtures.Blocks(0, FileLength);
        File.WriteAllBytes(server.PathOf("warm.bin"), content);
        byte[] request = Encoding.ASCII.GetBytes("GET /warm.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.ReceiveTimeout = socket.SendTimeout = (int)RawHttpConnection.DefaultTimeout.TotalMilliseconds;
        socket.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        byte[] buffer = new byte[64 * 1024];

        long hitsBefore = server.Server.OpenFiles.Hits;
        for (int i = 0; i < WarmupRequests; i++)
        {
            Exchange(socket, request, buffer, content);
        }

        // The test host runs threads of its own (result reporting serializes messages while a test
        // runs), so one window can catch their garbage. Several windows, judged by the quietest:
        // garbage made per request shows in every window, background noise only in some.
        var perWindow = new double[Windows];
        for (int w = 0; w < Windows; w++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < RequestsPerWindow; i++)
            {
                Exchange(socket, request, buffer, content);
            }

            perWindow[w] = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / RequestsPerWindow;
        }

        double perRequest = perWindow.Min();
        output.WriteLine($"{strategy}: {perRequest:0.0} B/request in the quietest of {Windows} windows of {RequestsPerWindow} warm requests (all: {string.Join(", ", perWindow.Select(b => b.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))})");

        // The path under test is the cache hit: without it the figure would measure opens.
        Assert.True(server.Server.OpenFiles.Hits - hitsBefore >= WarmupRequests + (Windows * RequestsPerWindow) - 1, "the requests should be open-file cache hits");
        Assert.True(perRequest <= MaxBytesPerRequest, $"{perRequest:0.0} B allocated per warm request; at most {MaxBytesPerRequest} expected");
    }

    // One request and its complete response, checked byte for byte. No Assert here: xunit's
    // Assert.Equal allocates a comparer per call, which would be counted as the server's garbage.
    private static void Exchange(Socket socket, byte[] request, byte[] buffer, byte[] content)
    {
        socket.Send(request);
        int filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            filled += Receive(socket, buffer, filled);
        }

        ReadOnlySpan<byte> head = buffer.AsSpan(0, headEnd + 2);
        if (!head.StartsWith("HTTP/1.1 200 "u8) || head.IndexOf("\r\nContent-Length: 4096\r\n"u8) < 0)
        {
            throw new IOException($"expected 200 with Content-Length: 4096, got:\n{Encoding.ASCII.GetString(head)}");
        }

        int total = headEnd + 4 + content.Length;
        while (filled < total)
        {
            filled += Receive(socket, buffer, filled);
        }

        // Keep-alive, one request at a time: nothing may follow the body.
        if (filled != total || !buffer.AsSpan(headEnd + 4, content.Length).SequenceEqual(content))
        {
            throw new IOException($"body differs from the file ({filled - headEnd - 4} bytes received, {content.Length} expected)");
        }
    }

    private static int Receive(Socket socket, byte[] buffer, int at)
    {
        int n = socket.Receive(buffer.AsSpan(at), SocketFlags.None);
        return n > 0 ? n : throw new IOException("the server closed the connection");
    }
}
