using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

// A hostile HTTP/1.1 server on 127.0.0.1: it answers "Range: bytes=A-B" with a 206 whose head is
// right (Content-Range A-B of Content, Content-Length B-A+1) but which also says
// Transfer-Encoding: chunked and sends Extra more bytes than the range in its chunked body. The first
// range (from 0) is answered honestly, so the client has started its parallel phase when it meets
// the overrun. Keep-alive, GET only; requests are read as test input.
internal sealed class OverrunRangeServer : IAsyncDisposable
{
    public const int Extra = 100_000;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private readonly byte[] _content;

    public OverrunRangeServer(byte[] content)
    {
        _content = content;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

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
            while (await reader.ReadLineAsync(_stop.Token) is not null)
            {
                string range = "";
                for (string? line = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token))
                {
                    if (line.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase))
                    {
                        range = line["Range: bytes=".Length..];
                    }
                }

                string[] bounds = range.Split('-');
                long first = long.Parse(bounds[0], CultureInfo.InvariantCulture);
                long last = Math.Min(_content.Length - 1, long.Parse(bounds[1], CultureInfo.InvariantCulture));
                byte[] body = _content[(int)first..(int)(last + 1)];
                var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {first}-{last}/{_content.Length}\r\nETag: \"overrun-1\"\r\nContent-Length: {body.Length}\r\n");
                if (first > 0)
                {
                    body = [.. body, .. new byte[Extra]];
                    head.Append(CultureInfo.InvariantCulture, $"Transfer-Encoding: chunked\r\n\r\n{body.Length:x}\r\n");
                    await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                    await stream.WriteAsync("\r\n0\r\n\r\n"u8.ToArray(), _stop.Token);
                    continue;
                }

                head.Append("\r\n");
                await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
