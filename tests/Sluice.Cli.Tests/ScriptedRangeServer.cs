using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

// A tiny HTTP/1.1 server on 127.0.0.1 for what the real server does not do (yet): answering
// without ranges, sending Repr-Digest, serving a corrupted byte. Keep-alive, GET only, one
// representation (Content); a "Range: bytes=A-B" is answered 206 when Ranges is on, else ignored
// (200 with the whole body, as a server without range support does). Requests are read as test
// input (lines up to the blank one); responses are what the client under test must parse.
internal sealed class ScriptedRangeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private int _rangeRequests;

    public ScriptedRangeServer(byte[] content, bool ranges, string? reprDigest = null, long? flipAt = null)
    {
        Content = content;
        Ranges = ranges;
        ReprDigestField = reprDigest;
        FlipAt = flipAt;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public byte[] Content { get; }

    public bool Ranges { get; }

    public string? ReprDigestField { get; }

    public long? FlipAt { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int RangeRequests => Volatile.Read(ref _rangeRequests);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks, _acceptLoop];
        }

        await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Socket client = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_tasks)
                {
                    _tasks.Add(ServeAsync(client));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using Socket socket = client;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.Latin1, false, 4096, leaveOpen: true);
        try
        {
            while (true)
            {
                string? requestLine = await reader.ReadLineAsync(_stop.Token);
                if (requestLine is null)
                {
                    return;
                }

                string? range = null;
                for (string? line = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token))
                {
                    if (line.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase))
                    {
                        range = line["Range: bytes=".Length..];
                    }
                }

                long first = 0;
                long last = Content.Length - 1;
                var head = new StringBuilder();
                if (Ranges && range is not null)
                {
                    Interlocked.Increment(ref _rangeRequests);
                    string[] bounds = range.Split('-');
                    first = long.Parse(bounds[0], CultureInfo.InvariantCulture);
                    last = Math.Min(last, long.Parse(bounds[1], CultureInfo.InvariantCulture));
                    head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {first}-{last}/{Content.Length}\r\n");
                    head.Append("ETag: \"scripted-1\"\r\n");
                }
                else
                {
                    head.Append("HTTP/1.1 200 OK\r\n");
                }

                if (ReprDigestField is not null)
                {
                    head.Append("Repr-Digest: ").Append(ReprDigestField).Append("\r\n");
                }

                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {last - first + 1}\r\n\r\n");
                byte[] body = Content[(int)first..(int)(last + 1)];
                if (FlipAt is long flip && flip >= first && flip <= last)
                {
                    body[flip - first] ^= 0x01;
                }

                await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
