using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Policy;
using Sluice.Core.Proxy;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Configuration;
using Sluice.Server.Connections;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Logging;
using Sluice.Server.Metrics;
using Sluice.Server.Planning;
using Sluice.Server.Tls;
using Sluice.Server.Transfer;

namespace Sluice.Server.Hosting;

// Owns the listening socket, the accept loop, the set of live connections and shutdown.
// Shutdown: stop accepting, close idle keep-alive connections at once, let responses in flight
// finish until the deadline, then abort what is left.
// Descriptors: at start the soft RLIMIT_NOFILE is raised to the hard one and the limits are fitted
// into it (two per connection — socket and file — plus the open-file cache and a reserve), so the
// process never runs out: under EMFILE the runtime itself fails (loading an assembly, reading
// /proc) and aborts with "Out of memory.". Accept failures for lack of descriptors back off.
public sealed partial class SluiceServer : IAsyncDisposable
{
    private static readonly byte[] s_busyResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nServer: sluice\r\nRetry-After: 1\r\nX-Content-Type-Options: nosniff\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n");

    private readonly ConcurrentDictionary<Http1Connection, Task> _connections = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _stopLock = new();
    private readonly ITransferMechanism[] _mechanisms;
    private readonly SafeFileHandle _root;
    private readonly IDiskEngine _disk;
    private readonly AlignedBufferPool _readBuffers;
    private readonly string _diskEngineChoice;
    private readonly AddressSlots _addressSlots;
    private int _lingeringRefusals;
    private Socket[] _listeners = [];
    private Task? _acceptLoop;
    private MetricsListener? _metrics;
    private Timer? _heartbeat;
    private Task? _stopTask;

    // Timeouts are checked this often (Kestrel's heartbeat is 1 s): cheap, and precise enough for
    // timeouts measured in seconds.
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromMilliseconds(250);

    // Descriptors kept free for the runtime, listeners, epoll, log and disk threads.
    private const int ReservedDescriptors = 64;

    // Refused connections whose 503 is followed by a brief drain (so no RST destroys it); beyond
    // this many at once a refusal closes at once rather than hold more descriptors.
    private const int MaxLingeringRefusals = 64;
    private volatile bool _stopping;

    public SluiceServer(ServerOptions options, IServerLog log)
    {
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        Log = log;
        Options = options = FitDescriptorBudget(options, log);
        _addressSlots = new AddressSlots(options.MaxConnectionsPerAddress);
        Proxies = TrustedProxies.Parse(options.TrustedProxies);
        RootPath = Path.GetFullPath(options.Root);
        FileOpenStatus status = FilePal.TryOpenDirectory(RootPath, out _root);
        if (status != FileOpenStatus.Opened)
        {
            throw new IOException($"cannot open root directory '{RootPath}': {RootOpenError.Describe(status)}");
        }

        OpenFiles = new OpenFileCache(options.OpenFileCacheEntries, options.OpenFileCacheMaxAge, options.OpenFileCacheSweepPeriod);
        int maxBuffers = Math.Max(options.ReadsInFlight + 1, (int)(options.ReadBufferBudgetBytes / options.ReadBufferBytes));
        _disk = DiskEngineSelection.Create(
            options,
            arenaBuffers => new AlignedBufferPool(options.ReadBufferBytes, alignment: 4096, maxBuffers, maxIdle: options.ReadsInFlight + 1, arenaBuffers),
            out DiskEngineCounters diskCounters,
            out _readBuffers,
            out _diskEngineChoice);
        Metrics.DiskEngine = diskCounters;
        Handler = new FileHandler(_root, options.FollowSymlinks, OpenFiles, _disk, options.ServeDotfiles, options.MaxListingEntries)
        {
            Precompressed = options.Precompressed,
        };
        Planner = new TransferPlanner(options.Policy);
        Metrics.ReadBuffers = _readBuffers;
        Capabilities = new FilesystemCapabilities(log);
        Metrics.Capabilities = Capabilities;
        var buffered = new BufferedTransfer(options.BufferedChunkBytes, _disk, Capabilities);
        _mechanisms = new ITransferMechanism[Enum.GetValues<TransferStrategy>().Length];
        _mechanisms[(int)TransferStrategy.Buffered] = buffered;
        _mechanisms[(int)TransferStrategy.Sendfile] = new SendfileTransfer(options.SendfileChunkBytes, buffered, _disk, Capabilities);
        _mechanisms[(int)TransferStrategy.Copy] = new BufferedTransfer((int)Math.Max(options.CopyThreshold, options.BufferedChunkBytes), _disk, Capabilities, TransferStrategy.Copy);
        _mechanisms[(int)TransferStrategy.Direct] = new DirectTransfer(
            _disk, _readBuffers, options.ReadsInFlight, buffered, log, Capabilities, options.ForceFallback.Contains(TransferStrategy.Direct));
        _mechanisms[(int)TransferStrategy.Dontcache] = new DontcacheTransfer(
            _disk, _readBuffers, options.ReadsInFlight, buffered, log, Capabilities, options.ForceFallback.Contains(TransferStrategy.Dontcache));
        Tls = options.TlsCertificatePath is null ? null : TlsCertificateStore.Load(options.TlsCertificatePath, options.TlsKeyPath!);
        if (options.Auth is not null)
        {
            Auth = new Auth.AuthGate(options.Auth, Counters.Auth);
            log.Info($"access control: HTTP Basic, {Auth.UserCount} user(s)"
                + (options.Auth.PublicPrefixes.Count > 0 ? $", public without credentials: {string.Join(", ", options.Auth.PublicPrefixes)}" : ""));
        }

        // Uploads (--upload): PUT/DELETE/MKCOL and the receive side of the planner.
        ReceivePlanner = new Receive.ReceivePlanner(new Receive.ReceiveMechanisms(
            options.ReceivePolicy, _disk, _readBuffers, Capabilities, new Receive.BufferedReceive(_disk)));
        if (options.Uploads is not null)
        {
            Uploads = new Uploads.UploadHandler(_root, _disk, options.Uploads, options.ServeDotfiles, OpenFiles, Handler.Listings);
            log.Info($"uploads: on (PUT, DELETE, MKCOL), at most {options.Uploads.MaxUploadSize} bytes each"
                + (Auth is null ? ", without credentials (loopback only)" : ", for authenticated users"));
            Tus = StartTus(options, log);
        }

        // Repr-Digest (RFC 9530): digests computed off the request path (Digests/ReprDigests.cs).
        if (options.ReprDigest)
        {
            ReprDigests = new Digests.ReprDigests(Capabilities, log, options.DigestXattr, options.DirectThreshold);
            Handler.ReprDigests = ReprDigests;
        }
    }

    // Repr-Digest on request (--no-repr-digest: null).
    public Digests.ReprDigests? ReprDigests { get; }

    // The certificate when the main port speaks TLS (--tls-cert/--tls-key); null for plain HTTP.
    public TlsCertificateStore? Tls { get; }

    public TlsCounters TlsCounters { get; } = new();

    // SIGHUP: new handshakes use the reloaded certificate; a bad one keeps the old (logged).
    public bool ReloadTlsCertificate()
    {
        if (Tls is null)
        {
            return false;
        }

        bool reloaded = Tls.TryReload(out string error);
        TlsCounters.CountReload(reloaded);
        if (reloaded)
        {
            Log.Info($"tls: certificate reloaded ({Tls.Certificate.Subject}, expires {Tls.Certificate.NotAfter:yyyy-MM-dd}, sha1 {Tls.Certificate.Thumbprint})");
        }
        else
        {
            Log.Warn($"tls: reload failed, keeping the current certificate: {error}");
        }

        return reloaded;
    }

    // --upload: the write methods' handler; null when uploads are off.
    public Uploads.UploadHandler? Uploads { get; }

    // How request bodies reach files (the receive side of the planner).
    public Receive.IReceivePlanner ReceivePlanner { get; }

    // Access control (--auth); null when everything is served to everyone.
    public Auth.AuthGate? Auth { get; }

    public OpenFileCache OpenFiles { get; }

    public ServerOptions Options { get; }

    public IServerLog Log { get; }

    public string RootPath { get; }

    public FileHandler Handler { get; }

    public TransferPlanner Planner { get; }

    public TransferMetrics Metrics { get; } = new();

    // What each filesystem under the root refused (O_DIRECT, RWF_DONTCACHE, RWF_NOWAIT, sendfile).
    public FilesystemCapabilities Capabilities { get; }

    public ConnectionCounters Counters { get; } = new();

    // Responses by status class and the request latency histogram (/metrics).
    public HttpResponseCounters Responses { get; } = new();

    // --trusted-proxy: whose PROXY header and X-Forwarded-For name the client (Http1Connection.Proxy.cs).
    public TrustedProxies Proxies { get; }

    public WritableWaiter Waiter { get; } = WritableWaiter.Shared;

    public AlignedBufferPool ReadBuffers => _readBuffers;

    internal IDiskEngine DiskEngine => _disk;

    public CancellationToken AbortToken => _abort.Token;

    public bool IsStopping => _stopping;

    public int ActiveConnections => _connections.Count;

    public IPEndPoint? LocalEndPoint => _listeners.Length > 0 ? _listeners[0].LocalEndPoint as IPEndPoint : null;

    public IPEndPoint? MetricsEndPoint => _metrics?.LocalEndPoint;

    public ITransferMechanism Mechanism(TransferStrategy strategy) => _mechanisms[(int)strategy];

    // --host is checked by ServerOptions.Validate; sockets a service manager passed in were not
    // (a hostile review served Basic auth over plain HTTP on an inherited [::] socket).
    private void RefuseInsecureBasicOnInherited(Socket[] inherited)
    {
        if (Auth is null || Tls is not null || Options.Auth!.InsecureHttp)
        {
            return;
        }

        foreach (Socket listener in inherited)
        {
            if (listener.LocalEndPoint is IPEndPoint { Address: var bound } endpoint && !IPAddress.IsLoopback(bound))
            {
                foreach (Socket s in inherited)
                {
                    s.Dispose();
                }

                throw new InvalidOperationException(
                    $"socket activation: refusing HTTP Basic auth over plain HTTP on the inherited listener {endpoint}; serve with TLS, or pass --auth-insecure-http");
            }
        }
    }

    public void Start()
    {
        // Socket activation (LISTEN_FDS) replaces --host/--port: the service manager bound them.
        Socket[]? inherited = SocketActivation.TakeInheritedListeners();
        ListenAddress.TryParse(Options.Host, out IPAddress address);
        // Both listeners are bound before anything runs: a port held by another process (or
        // --metrics on the main port) fails the start with ListenerBindException.
        Socket[] listeners = inherited ?? [Listeners.Listen("main", new IPEndPoint(address, Options.Port), 1024)];
        if (inherited is not null)
        {
            RefuseInsecureBasicOnInherited(inherited);
            RefuseAnonymousUploadsOnInherited(inherited);
        }

        if (Options.MetricsEndpoint is not null)
        {
            try
            {
                _metrics = new MetricsListener(this, MetricsListenEndPoint(Options));
            }
            catch
            {
                foreach (Socket listener in listeners)
                {
                    listener.Dispose();
                }

                throw;
            }

            Log.Info($"metrics on http://{_metrics.LocalEndPoint}/metrics");
        }

        Log.Info(_diskEngineChoice);
        if (Tls is not null)
        {
            LogTlsStart();
        }

        _listeners = listeners;
        _acceptLoop = Task.WhenAll(listeners.Select(listener => Task.Run(() => AcceptLoopAsync(listener))));
        if (inherited is not null)
        {
            Log.Info($"socket activation: serving on {inherited.Length} inherited listener(s): {string.Join(", ", inherited.Select(l => l.LocalEndPoint))}");
        }

        _heartbeat = new Timer(static state => ((SluiceServer)state!).Heartbeat(), this, HeartbeatPeriod, HeartbeatPeriod);

        Log.Info($"serving {RootPath} on {(Tls is null ? "http" : "https")}://{LocalEndPoint} (strategy {Options.Strategy.ToString().ToLowerInvariant()})");
    }

    private static IPEndPoint MetricsListenEndPoint(ServerOptions options) =>
        ListenEndpoint.TryParse(options.MetricsEndpoint!, options.Host, out IPEndPoint endpoint)
            ? endpoint
            : throw new ArgumentException($"--metrics '{options.MetricsEndpoint}' is not {ListenEndpoint.Forms}", nameof(options));

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
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        // Idle connections close now; the heartbeat repeats this every tick, so a connection that
        // turns idle after this loop is closed too.
        CloseIdleConnections();

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

        // Before the open-file cache: queued digest jobs hold references on its descriptors.
        ReprDigests?.Dispose();
        OpenFiles.Dispose();
        Tus?.Dispose();
        _disk.Dispose();
        _readBuffers.Dispose();
        _root.Dispose();
        _abort.Dispose();
    }

    private void Heartbeat()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long now = Environment.TickCount64;
        foreach (Http1Connection connection in _connections.Keys)
        {
            connection.OnHeartbeat(now);
        }

        if (_stopping)
        {
            CloseIdleConnections();
        }

        Counters.CountHeartbeat(System.Diagnostics.Stopwatch.GetTimestamp() - started);
    }

    private void CloseIdleConnections()
    {
        foreach (Http1Connection connection in _connections.Keys)
        {
            if (connection.State == ConnectionState.AwaitingRequest)
            {
                connection.CancelIdleWait();
            }
        }
    }

    private static ServerOptions FitDescriptorBudget(ServerOptions options, IServerLog log)
    {
        DescriptorLimit limit = DescriptorLimit.RaiseToHard();
        long available = limit.Soft - DescriptorLimit.OpenNow() - ReservedDescriptors - MaxLingeringRefusals - MetricsListener.MaxConnections;
        long needed = (2L * options.MaxConnections) + options.OpenFileCacheEntries;
        if (needed <= available)
        {
            return options;
        }

        int cache = (int)Math.Clamp(available / 4, 0, options.OpenFileCacheEntries);
        long connections = (available - cache) / 2;
        if (connections < 1)
        {
            throw new InvalidOperationException(
                $"the descriptor limit (RLIMIT_NOFILE {limit.Soft}, hard {limit.Hard}) leaves no room for connections; raise it with ulimit -n");
        }

        log.Warn($"descriptor limit RLIMIT_NOFILE is {limit.Soft} (hard {limit.Hard}): --max-connections lowered from {options.MaxConnections} to {connections}"
            + (cache != options.OpenFileCacheEntries ? $", --open-file-cache from {options.OpenFileCacheEntries} to {cache}" : ""));
        return options with { MaxConnections = (int)connections, OpenFileCacheEntries = cache };
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        int backoffMs = 0;
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
                backoffMs = 0;
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
                // EMFILE/ENFILE (TooManyOpenSockets), ENOBUFS …: the pending connection stays in the
                // backlog and accept would fail again at once. Back off, doubling up to 1 s, and say
                // so once per episode rather than once per failure.
                Counters.CountAcceptBackoff();
                if (backoffMs == 0)
                {
                    Log.Warn($"accept failed ({ex.SocketErrorCode}); backing off until descriptors are free");
                }

                backoffMs = Math.Clamp(backoffMs * 2, 10, 1000);
                await Task.Delay(backoffMs).ConfigureAwait(false);
                continue;
            }

            Accept(socket);
        }
    }

    private void Accept(Socket socket)
    {
        IPAddress? address = null;
        ConnectionSlot? slot = null;
        try
        {
            socket.NoDelay = true;
            address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
            // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d: one client, one key.
            address = address is null ? null : TrustedProxies.Normalize(address);
            if (!TryAcquireConnectionSlot())
            {
                Refuse(socket, BusyKind.Server, address);
                return;
            }

            // A trusted proxy carries many clients: its connections take no slot here; the client a
            // PROXY header names takes one in the connection (TryAcquireAddressSlot).
            if (address is not null && Proxies.Contains(address))
            {
                address = null;
            }

            if (address is not null && !_addressSlots.TryAcquire(address))
            {
                ReleaseConnectionSlot();
                Refuse(socket, BusyKind.Address, address);
                return;
            }

            // Nothing above can throw once the slots are taken; from here on the slot object owns them.
            slot = new ConnectionSlot(this, address);
            var connection = new Http1Connection(this, socket) { Slot = slot };
            _connections[connection] = Task.CompletedTask;
            // TryUpdate, not the indexer: a connection that already finished and removed
            // itself must not be added back (it would hold a connection slot forever).
            _connections.TryUpdate(connection, RunConnectionAsync(connection, slot), Task.CompletedTask);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client vanished between accept and setup: drop it, keep accepting.
            slot?.End();
            socket.Dispose();
        }
    }

    internal bool TryAcquireAddressSlot(IPAddress address) => _addressSlots.TryAcquire(address);

    internal void ReleaseAddressSlot(IPAddress address) => _addressSlots.Release(address);

    private async Task RunConnectionAsync(Http1Connection connection, ConnectionSlot slot)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            // The connection released its slot before its close (Http1Connection.Slots.cs); this is
            // the safety net for a path that did not (End is idempotent).
            slot.End();
            _connections.TryRemove(connection, out _);
        }
    }

    // 503 + Retry-After, then close — but not at once: closing with the client's request unread
    // makes the kernel send RST, which can destroy the 503 before the client reads it. So the
    // send side is shut down and what the client sent is drained briefly, off the accept loop.
    private void Refuse(Socket socket, BusyKind kind, IPAddress? address)
    {
        Counters.CountBusy(kind);
        Responses.CountStatus(503);
        if (Log.AccessEnabled)
        {
            Log.Info(kind == BusyKind.Server
                ? $"{address}: 503 connection limit ({Options.MaxConnections}) reached"
                : $"{address}: 503 per-address connection limit ({Options.MaxConnectionsPerAddress}) reached");
            LogRefusal(socket, kind);
        }

        try
        {
            socket.Blocking = false;
            // On a TLS port the client expects a ServerHello: a plain-text 503 reads as garbage
            // ("wrong version number"). Without a handshake there is no channel to answer in, so
            // the connection is only closed (a hostile review found the plain-text answer).
            if (Tls is null)
            {
                socket.Send(s_busyResponse, SocketFlags.None, out _);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _lingeringRefusals) > MaxLingeringRefusals)
        {
            Interlocked.Decrement(ref _lingeringRefusals);
            socket.Dispose();
            return;
        }

        _ = DrainAndCloseAsync(socket);
    }

    private async Task DrainAndCloseAsync(Socket socket)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            int drained = 0;
            while (drained < 64 * 1024)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }

                drained += n;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            Interlocked.Decrement(ref _lingeringRefusals);
        }
    }
}
