using System.Net;
using System.Net.Sockets;

namespace Sluice.Cli.Tests;

// A loopback TCP forwarder for `sluice get` tests that acts on the server→client direction (the
// direction a download's bytes take; CuttingProxy acts on client→server). It counts every
// server→client byte over all connections; once that count reaches CutAfterBytes it resets every
// open connection at once (a dropped network), once; FlipAt flips the byte at that position of the
// server→client count (one corrupted byte in flight), once. Only 127.0.0.1; all ends on Dispose.
internal sealed class DownloadProxy : IAsyncDisposable
{
    private readonly IPEndPoint _server;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Task Task, Socket Client)> _connections = [];
    private readonly Task _acceptLoop;
    private long _returned;
    private bool _cut;

    public DownloadProxy(IPEndPoint server, long? cutAfterBytes = null, long? flipAt = null)
    {
        _server = server;
        CutAfterBytes = cutAfterBytes;
        FlipAt = flipAt;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public long? CutAfterBytes { get; }

    public long? FlipAt { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long ReturnedBytes
    {
        get
        {
            lock (_connections)
            {
                return _returned;
            }
        }
    }

    public bool HasCut
    {
        get
        {
            lock (_connections)
            {
                return _cut;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_connections)
        {
            tasks = [.. _connections.Select(c => c.Task), _acceptLoop];
        }

        await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add((ServeAsync(client), client));
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using Socket accepted = client;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            await upstream.ConnectAsync(_server, connection.Token);
            bool beforeCut = !HasCut; // connections opened after the cut pass untouched
            Task up = PumpAsync(accepted, upstream, false, beforeCut, connection);
            Task down = PumpAsync(upstream, accepted, true, beforeCut, connection);
            await Task.WhenAny(up, down);
            if (down.IsCompleted && HasCut)
            {
                await up; // the client reads to the FIN and closes; until then its bytes still pass
            }

            await connection.CancelAsync();
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool serverToClient, bool beforeCut, CancellationTokenSource connection)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, connection.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                bool cutNow = false;
                if (serverToClient)
                {
                    lock (_connections)
                    {
                        long start = _returned;
                        if (_cut && beforeCut)
                        {
                            n = 0; // cut on another connection: nothing more reaches the client
                            cutNow = true;
                        }

                        if (FlipAt is long flip && flip >= start && flip < start + n)
                        {
                            buffer[flip - start] ^= 0x01;
                        }

                        if (!_cut && CutAfterBytes is long cut && start + n >= cut)
                        {
                            n = (int)(cut - start);
                            _cut = cutNow = true;
                        }

                        _returned += n;
                    }
                }

                if (n > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), connection.Token);
                }

                if (cutNow)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await connection.CancelAsync();
        }
    }
}
