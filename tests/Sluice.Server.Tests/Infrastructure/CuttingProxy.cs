using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Infrastructure;

// A loopback TCP forwarder between a client and the real server that cuts connections: the first
// cutConnections connections whose client→server bytes reach CutAfterBytes are cut right there: the
// server gets exactly that many bytes and then the end of stream (an abrupt end of its request body),
// the client gets a reset. Later connections pass untouched. It counts
// every client→server byte it forwarded, so a resume test can show how much was sent after the cut.
// Used for `sluice put` resume now and `sluice get` later. Only 127.0.0.1; every task ends on Dispose.
internal sealed class CuttingProxy : IAsyncDisposable
{
    private readonly IPEndPoint _server;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private long _forwarded;
    private int _cutsLeft;
    private int _connections;
    private int _cuts;

    public CuttingProxy(IPEndPoint server, long cutAfterBytes, int cutConnections = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cutAfterBytes);
        _server = server;
        CutAfterBytes = cutAfterBytes;
        _cutsLeft = cutConnections;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public long CutAfterBytes { get; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Port => EndPoint.Port;

    // Client→server bytes forwarded over all connections so far.
    public long ForwardedBytes => Interlocked.Read(ref _forwarded);

    public int Connections => Volatile.Read(ref _connections);

    public int Cuts
    {
        get
        {
            lock (_tasks)
            {
                return _cuts;
            }
        }
    }

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
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_tasks)
            {
                _tasks.Add(ServeAsync(client));
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
            Task up = PumpAsync(accepted, upstream, clientToServer: true, connection);
            Task down = PumpAsync(upstream, accepted, clientToServer: false, connection);
            await Task.WhenAny(up, down);
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool clientToServer, CancellationTokenSource connection)
    {
        byte[] buffer = new byte[16 * 1024];
        long count = 0;
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, connection.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send); // pass the half-close on
                    return;
                }

                int pass = n;
                bool cut = clientToServer && count + n >= CutAfterBytes && TryTakeCut();
                if (cut)
                {
                    pass = (int)(CutAfterBytes - count); // the rest of this read is lost with the connection
                }

                if (pass > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, pass), connection.Token);
                }

                count += pass;
                if (clientToServer)
                {
                    Interlocked.Add(ref _forwarded, pass);
                }

                if (cut)
                {
                    // The client is reset (linger 0), as by a dropped network; the server gets a FIN after
                    // the bytes already passed, so it keeps all of them (an RST could discard what sits
                    // unread in its receive queue, and a resume test counts on that exact prefix).
                    Reset(from);
                    to.Shutdown(SocketShutdown.Send);
                    await connection.CancelAsync();
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await connection.CancelAsync();
        }
    }

    private bool TryTakeCut()
    {
        lock (_tasks)
        {
            if (_cutsLeft == 0)
            {
                return false;
            }

            _cutsLeft--;
            _cuts++;
            return true;
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
