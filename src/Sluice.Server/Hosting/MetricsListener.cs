using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Server.Metrics;

namespace Sluice.Server.Hosting;

// A separate, minimal listener for /metrics, so scraping never shares limits or a port with file
// traffic. One request per connection: read the head (bounded), answer, close. Bounded like the
// main listener: at most MaxConnections at once (more are closed at once), the whole exchange
// within RequestTimeout, a head of at most MaxHeadBytes.
public sealed class MetricsListener : IAsyncDisposable
{
    private readonly SluiceServer _server;
    private readonly Socket _listener;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private int _active;

    public const int MaxConnections = 16;
    public const int MaxHeadBytes = 8192;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public MetricsListener(SluiceServer server, IPEndPoint endpoint)
    {
        _server = server;
        _listener = Listeners.Listen("metrics", endpoint, 16);
        _loop = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                return;
            }

            if (Interlocked.Increment(ref _active) > MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                client.Dispose();
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            await Task.Yield();
            try
            {
                using var timeout = new CancellationTokenSource(RequestTimeout);
                byte[] buffer = new byte[MaxHeadBytes];
                int length = 0;
                while (length < buffer.Length && buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    length += n;
                }

                if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
                {
                    return; // a head larger than MaxHeadBytes: not a scraper
                }

                string requestLine = Encoding.ASCII.GetString(buffer, 0, Math.Max(0, buffer.AsSpan(0, length).IndexOf("\r\n"u8)));
                string[] parts = requestLine.Split(' ');
                // The query is ignored (`/metrics?x=1`): some scrapers add one (Prometheus's
                // `params`), and the exposition has no parameters.
                string path = parts.Length == 3 ? parts[1].Split('?', 2)[0] : "";
                bool ok = parts.Length == 3 && parts[0] is "GET" or "HEAD" && path is "/metrics" or "/" or HealthEndpoint.Path;
                // /-/health here too (HealthEndpoint), so a balancer can check a node on the
                // metrics port when the main listener is bound for clients only.
                bool health = ok && path == HealthEndpoint.Path;
                if (health && _server.IsStopping)
                {
                    ok = false;
                }

                string body = health
                    ? Encoding.ASCII.GetString(ok ? HealthEndpoint.OkBody : HealthEndpoint.StoppingBody)
                    : ok
                    ? PrometheusWriter.Render(_server.Metrics, _server.OpenFiles, _server.ActiveConnections, _server.Counters, _server.Log.DroppedLines, _server.Responses)
                        + PrometheusWriter.RenderTls(_server.Tls is null ? null : _server.TlsCounters, _server.KernelTls)
                        + PrometheusWriter.RenderDigests(_server.ReprDigests)
                    : "404 Not Found: metrics are at /metrics\n";
                byte[] payload = Encoding.UTF8.GetBytes(body);
                string status = ok ? "200 OK" : health ? "503 Service Unavailable" : "404 Not Found";
                string head = $"HTTP/1.1 {status}\r\nServer: sluice\r\nX-Content-Type-Options: nosniff\r\nContent-Type: {(ok && !health ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await client.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (parts.Length > 0 && parts[0] != "HEAD")
                {
                    await client.SendAsync(payload, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }
}
