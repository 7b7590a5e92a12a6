using System.Net.Sockets;
using System.Text;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Soak;

// Issue 9, the 4 KiB tail: a connection whose next request is always already readable (here a
// client that pipelines thousands of requests and reads the answers as fast as they come) must
// not hold its event thread for the whole run. Without the turn budget the real server
// (inline completions on, one epoll thread per core) answered such a connection request after
// request while the other connections of its epoll thread waited for the whole pipeline; with it,
// a request on any other connection is answered while the pipeline is still far from done.
// The order of events decides, not a time limit: "B was answered before A's pipeline ended".
[Trait("Category", "Soak")]
public sealed class FairnessTests : IDisposable
{
    private const int Pipelined = 20_000;
    private const int Others = 4; // with one epoll thread per core (2 here), some share A's thread
    private static readonly byte[] s_status = Encoding.ASCII.GetBytes("HTTP/1.1 200 ");

    private readonly SoakDirectory _directory = new();
    private readonly ITestOutputHelper _output;

    public FairnessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task APipeliningConnectionDoesNotHoldItsEventThreadWhileOtherConnectionsWait()
    {
        File.WriteAllText(_directory.File("small.txt"), new string('x', 100));
        await using SoakServer server = await SoakServer.StartAsync(_directory.Path);

        // Every connection is accepted and has served one request (so it is registered with an
        // epoll thread) before the pipeline starts.
        await using RawHttpConnection a = await server.ConnectAsync(receiveBufferSize: 4 << 20);
        var others = new RawHttpConnection[Others];
        for (int i = 0; i < Others; i++)
        {
            others[i] = await server.ConnectAsync();
        }

        try
        {
            foreach (RawHttpConnection c in others.Prepend(a))
            {
                await c.SendAsync("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
                RawResponse warm = await c.ReadResponseAsync();
                Assert.Equal(200, warm.Status);
            }

            byte[] request = Encoding.ASCII.GetBytes("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
            byte[] pipeline = new byte[request.Length * Pipelined];
            for (int i = 0; i < Pipelined; i++)
            {
                request.CopyTo(pipeline, i * request.Length);
            }

            int answered = 0; // responses A has received so far (read by this thread, written by the reader)
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Task writer = Task.Run(async () =>
            {
                ReadOnlyMemory<byte> left = pipeline;
                while (!left.IsEmpty)
                {
                    left = left[await a.Socket.SendAsync(left, SocketFlags.None, cts.Token)..];
                }
            });
            Task reader = Task.Run(async () =>
            {
                byte[] buffer = new byte[1 << 20];
                int matched = 0;
                while (Volatile.Read(ref answered) < Pipelined)
                {
                    int n = await a.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    Assert.True(n > 0, $"the server closed A after {answered} responses");
                    for (int i = 0; i < n; i++)
                    {
                        matched = buffer[i] == s_status[matched] ? matched + 1 : buffer[i] == s_status[0] ? 1 : 0;
                        if (matched == s_status.Length)
                        {
                            Interlocked.Increment(ref answered);
                            matched = 0;
                        }
                    }
                }
            });

            // Once the pipeline is under way, one request on each other connection.
            while (Volatile.Read(ref answered) < 200)
            {
                Assert.False(reader.IsFaulted || writer.IsFaulted, "the pipelining client failed");
                await Task.Delay(1);
            }

            int[] answeredWhenServed = new int[Others];
            for (int i = 0; i < Others; i++)
            {
                await others[i].SendAsync("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
            }

            for (int i = 0; i < Others; i++)
            {
                RawResponse response = await others[i].ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
                answeredWhenServed[i] = Volatile.Read(ref answered);
                Assert.Equal(200, response.Status);
                Assert.Equal(100, response.Body.Length);
            }

            await Task.WhenAll(writer, reader);
            _output.WriteLine($"A's responses received when each other connection was answered: {string.Join(", ", answeredWhenServed)} of {Pipelined}");
            Assert.Equal(Pipelined, Volatile.Read(ref answered));
            // Served while A's pipeline was still running: well before its end, not after it.
            Assert.All(answeredWhenServed, n => Assert.True(n < Pipelined / 2,
                $"another connection was answered only after {n} of A's {Pipelined} pipelined responses " +
                $"({string.Join(", ", answeredWhenServed)}): A held its event thread"));
        }
        finally
        {
            foreach (RawHttpConnection c in others)
            {
                await c.DisposeAsync();
            }
        }
    }
}
