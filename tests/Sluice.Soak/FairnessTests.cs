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
    private const int Chunk = 2_000;
    private const int MaxProgress = 10_000;
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
            // A keeps its pipeline full until the other connections have been answered: however slow
            // this test process is under load, the others' requests arrive while A streams (a fixed
            // pipeline could end before they were even sent, and then prove nothing).
            byte[] chunk = new byte[request.Length * Chunk];
            for (int i = 0; i < Chunk; i++)
            {
                request.CopyTo(chunk, i * request.Length);
            }

            long sent = 0;     // requests A has written (written by the writer)
            long answered = 0; // responses A has received (written by the reader)
            bool stop = false;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            Task writer = Task.Run(async () =>
            {
                while (!Volatile.Read(ref stop))
                {
                    ReadOnlyMemory<byte> left = chunk;
                    while (!left.IsEmpty)
                    {
                        left = left[await a.Socket.SendAsync(left, SocketFlags.None, cts.Token)..];
                    }

                    Interlocked.Add(ref sent, Chunk);
                }
            });
            Task reader = Task.Run(async () =>
            {
                byte[] buffer = new byte[1 << 20];
                int matched = 0;
                while (!(writer.IsCompleted && Interlocked.Read(ref answered) == Interlocked.Read(ref sent)))
                {
                    int n = await a.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    Assert.True(n > 0, $"the server closed A after {Interlocked.Read(ref answered)} responses");
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
            while (Interlocked.Read(ref answered) < 200)
            {
                Assert.False(reader.IsFaulted || writer.IsFaulted, "the pipelining client failed");
                await Task.Delay(1);
            }

            var progress = new long[Others]; // A's responses between sending B's request and B's answer
            for (int i = 0; i < Others; i++)
            {
                long before = Interlocked.Read(ref answered);
                await others[i].SendAsync("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
                RawResponse response = await others[i].ReadResponseAsync(timeout: TimeSpan.FromSeconds(20));
                progress[i] = Interlocked.Read(ref answered) - before;
                Assert.Equal(200, response.Status);
                Assert.Equal(100, response.Body.Length);
            }

            Volatile.Write(ref stop, true);
            await writer;
            // One last request, counted before it is sent: a reader that had caught up before the
            // writer finished is waiting in a receive, and this answer wakes it to see the end.
            Interlocked.Increment(ref sent);
            await a.Socket.SendAsync(request, SocketFlags.None, cts.Token);
            await reader.WaitAsync(TimeSpan.FromSeconds(60));
            _output.WriteLine($"A's responses received while each other connection waited for its answer: {string.Join(", ", progress)} (A: {answered} in all)");
            Assert.Equal(Interlocked.Read(ref sent), Interlocked.Read(ref answered));
            // Without the bound an answer came only after A's whole pipeline (> 17,000 responses
            // in every run), or — with a pipeline kept full — not before the read timeout.
            Assert.All(progress, n => Assert.True(n < MaxProgress,
                $"another connection waited while A received {n} responses ({string.Join(", ", progress)}): A held its event thread"));
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
