using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Configuration;
using Sluice.Server.Connections;
using Sluice.Server.Files;
using Sluice.Server.Logging;
using Sluice.Server.Transfer;

namespace Sluice.Server.Hosting;

// Owns the listening socket, the accept loop, the set of live connections and shutdown.
// Shutdown: stop accepting, close idle keep-alive connections at once, let responses in flight
// finish until the deadline, then abort what is left.
public sealed class SluiceServer : IAsyncDisposable
{
    private static readonly byte[] s_busyResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nServer: sluice\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n");

    private readonly ConcurrentDictionary<Http1Connection, Task> _connections = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _stopLock = new();
    private readonly ITransferMechanism[] _mechanisms;
    private readonly SafeFileHandle _root;
    private readonly DiskReadPool _disk;
    private readonly AlignedBufferPool _readBuffers;
    private Socket? _listener;
    private Task? _acceptLoop;
    private MetricsListener? _metrics;
    private Timer? _heartbeat;
    private Task? _stopTask;

    // Timeouts are checked this often (Kestrel's heartbeat is 1 s): cheap, and precise enough for
    // timeouts measured in seconds.
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromMilliseconds(250);
    private volatile bool _stopping;

    public SluiceServer(ServerOptions options, IServerLog log)
    {
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        Options = options;
        Log = log;
        RootPath = Path.GetFullPath(options.Root);
        FileOpenStatus status = FilePal.TryOpenDirectory(RootPath, out _root);
        if (status != FileOpenStatus.Opened)
        {
            throw new IOException($"cannot open root directory '{RootPath}': {status}");
        }

        OpenFiles = new OpenFileCache(options.OpenFileCacheEntries, options.OpenFileCacheMaxAge);
        Handler = new FileHandler(_root, options.FollowSymlinks, options.Policy, OpenFiles, options.ServeDotfiles);
        _disk = new DiskReadPool(options.DiskThreads);
        _readBuffers = new AlignedBufferPool(options.ReadBufferBytes, alignment: 4096, maxBuffers: Math.Max(options.ReadsInFlight + 1, (int)(options.ReadBufferBudgetBytes / options.ReadBufferBytes)), maxIdle: options.ReadsInFlight + 1);
        Metrics.ReadBuffers = _readBuffers;
        var buffered = new BufferedTransfer(options.BufferedChunkBytes);
        _mechanisms = new ITransferMechanism[Enum.GetValues<TransferStrategy>().Length];
        _mechanisms[(int)TransferStrategy.Buffered] = buffered;
        _mechanisms[(int)TransferStrategy.Sendfile] = new SendfileTransfer(options.SendfileChunkBytes, buffered, _disk, log);
        _mechanisms[(int)TransferStrategy.Copy] = new BufferedTransfer((int)Math.Max(options.CopyThreshold, options.BufferedChunkBytes), TransferStrategy.Copy);
        _mechanisms[(int)TransferStrategy.Direct] = new DirectTransfer(
            _disk, _readBuffers, options.ReadsInFlight, buffered, log, options.ForceFallback.Contains(TransferStrategy.Direct));
        _mechanisms[(int)TransferStrategy.Dontcache] = new DontcacheTransfer(
            _disk, _readBuffers, options.ReadsInFlight, buffered, log, options.ForceFallback.Contains(TransferStrategy.Dontcache));
    }

    public OpenFileCache OpenFiles { get; }

    public ServerOptions Options { get; }

    public IServerLog Log { get; }

    public string RootPath { get; }

    public FileHandler Handler { get; }

    public TransferMetrics Metrics { get; } = new();

    public WritableWaiter Waiter { get; } = WritableWaiter.Shared;

    public AlignedBufferPool ReadBuffers => _readBuffers;

    internal DiskReadPool DiskReads => _disk;

    public CancellationToken AbortToken => _abort.Token;

    public bool IsStopping => _stopping;

    public int ActiveConnections => _connections.Count;

    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    public IPEndPoint? MetricsEndPoint => _metrics?.LocalEndPoint;

    public ITransferMechanism Mechanism(TransferStrategy strategy) => _mechanisms[(int)strategy];

    public void Start()
    {
        IPAddress address = Options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(Options.Host);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(address, Options.Port));
        listener.Listen(1024);
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _heartbeat = new Timer(static state => ((SluiceServer)state!).Heartbeat(), this, HeartbeatPeriod, HeartbeatPeriod);
        if (Options.MetricsEndpoint is not null)
        {
            _metrics = new MetricsListener(this, IPEndPoint.Parse(Options.MetricsEndpoint));
            Log.Info($"metrics on http://{_metrics.LocalEndPoint}/metrics");
        }

        Log.Info($"serving {RootPath} on http://{LocalEndPoint} (strategy {Options.Strategy.ToString().ToLowerInvariant()})");
    }

    // Every caller waits for the same shutdown: a second call never returns early.
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        _stopping = true;
        _listener?.Dispose();

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        foreach (Http1Connection connection in _connections.Keys)
        {
            if (connection.State == ConnectionState.AwaitingRequest)
            {
                connection.CancelIdleWait();
            }
        }

        Task all = Task.WhenAll(_connections.Values);
        if (await Task.WhenAny(all, Task.Delay(Options.ShutdownTimeout)).ConfigureAwait(false) != all)
        {
            Log.Warn($"shutdown deadline passed; aborting {_connections.Count} connection(s)");
            _abort.Cancel();
            foreach (Http1Connection connection in _connections.Keys)
            {
                connection.Abort();
            }

            await all.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.DisposeAsync().ConfigureAwait(false);
        }

        if (_metrics is not null)
        {
            await _metrics.DisposeAsync().ConfigureAwait(false);
        }

        OpenFiles.Dispose();
        _disk.Dispose();
        _readBuffers.Dispose();
        _root.Dispose();
        _abort.Dispose();
    }

    private void Heartbeat()
    {
        long now = Environment.TickCount64;
        foreach (Http1Connection connection in _connections.Keys)
        {
            connection.OnHeartbeat(now);
        }
    }

    private async Task AcceptLoopAsync()
    {
        Socket listener = _listener!;
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (_stopping || ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: back off briefly instead of spinning.
                Log.Warn($"accept failed: {ex.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            try
            {
                socket.NoDelay = true;
                if (_connections.Count >= Options.MaxConnections)
                {
                    RefuseBusy(socket);
                    continue;
                }

                var connection = new Http1Connection(this, socket);
                _connections[connection] = Task.CompletedTask;
                // TryUpdate, not the indexer: a connection that already finished and removed
                // itself must not be added back (it would hold a connection slot forever).
                _connections.TryUpdate(connection, RunConnectionAsync(connection), Task.CompletedTask);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The client vanished between accept and setup: drop it, keep accepting.
                socket.Dispose();
            }
        }
    }

    private async Task RunConnectionAsync(Http1Connection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    private static void RefuseBusy(Socket socket)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(s_busyResponse, SocketFlags.None, out _);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
