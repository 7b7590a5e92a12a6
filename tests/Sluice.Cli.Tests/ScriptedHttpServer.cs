using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

// The loop shared by the small scripted HTTP/1.1 servers on 127.0.0.1 that `sluice get` is tested
// against: accept connections, read each request as test input (lines up to the blank one, keeping
// the "Range: bytes=" value), and let the subclass write the answer, keep-alive until the client
// closes. Disposing stops the listener and waits (bounded) for every connection's task.
internal abstract class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private Task _acceptLoop = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    // Called by the subclass's constructor once its own state is set.
    protected void Start()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    // Writes the answer to one request; range is the value after "Range: bytes=", or null.
    protected abstract Task RespondAsync(NetworkStream stream, string? range, CancellationToken stop);

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
                string? range = null;
                for (string? line = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token))
                {
                    if (line.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase))
                    {
                        range = line["Range: bytes=".Length..];
                    }
                }

                await RespondAsync(stream, range, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
