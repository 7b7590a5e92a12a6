using Sluice.Core.Policy;

namespace Sluice.Server.Configuration;

// Plain data, read once. Validate() is the one place that checks it; the CLI only binds.
public sealed record ServerOptions
{
    public string Root { get; init; } = ".";

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 8080;

    public StrategyOption Strategy { get; init; } = StrategyOption.Auto;

    public bool FollowSymlinks { get; init; }

    // Serve and list files and directories whose name starts with '.' (off: 404, and not listed),
    // also when reached through a symlink with a visible name.
    public bool ServeDotfiles { get; init; }

    public int MaxConnections { get; init; } = 1024;

    // Connections one client address may hold at once (0 = no cap), so one address cannot take
    // every slot; more get 503 like the global limit.
    public int MaxConnectionsPerAddress { get; init; } = 256;

    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(15);

    // How long one blocked write may wait for the client to read before the connection is dropped.
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    // Minimum rate at which a client must take a response (bytes per second, 0 = off), checked
    // after MinSendRateGrace — Kestrel's MinResponseDataRate: 240 B/s after 5 s. A reader that
    // trickles below it is dropped, so it cannot hold buffers by reading a few bytes a minute.
    public long MinSendRate { get; init; } = 240;

    public TimeSpan MinSendRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    public int MaxHeaderCount { get; init; } = 100;

    // A body sent with GET/HEAD up to this size is read and discarded; larger ones get 413 and a close.
    public long MaxDiscardedBodyBytes { get; init; } = 64 * 1024;

    // Requests one connection may serve back to back on an event thread while its next request is
    // already readable, before it yields the thread (see Http1Connection, "Fairness"). 0 turns the
    // bound off.
    public int RequestsPerTurn { get; init; } = 1;

    // Bytes per sendfile call: bounds how long one fast client holds a thread (nginx sendfile_max_chunk).
    public int SendfileChunkBytes { get; init; } = 2 * 1024 * 1024;

    // The classic loop's buffer: the seed's 32 KiB.
    public int BufferedChunkBytes { get; init; } = 32 * 1024;

    public bool Quiet { get; init; }

    // auto: bodies up to this size go by one pread + one send (0 disables).
    public long CopyThreshold { get; init; } = 128 * 1024;

    // auto: bodies at or above this size bypass the page cache unless already resident.
    public long DirectThreshold { get; init; } = 4L * 1024 * 1024;

    // auto's strategy for large cold bodies: Direct or Dontcache.
    public TransferStrategy LargeStrategy { get; init; } = TransferStrategy.Direct;

    // direct/dontcache: size of each read and how many are in flight per transfer.
    public int ReadBufferBytes { get; init; } = 1024 * 1024;

    public int ReadsInFlight { get; init; } = 4;

    // All direct/dontcache read buffers together never exceed this (native memory).
    public long ReadBufferBudgetBytes { get; init; } = 64L * 1024 * 1024;

    // Threads that perform blocking disk reads (nginx: aio threads), so reads never block the
    // threads that accept, parse and send.
    public int DiskThreads { get; init; } = 4;

    // Which disk engine runs the reads: io_uring (the kernel's asynchronous I/O) or the threads.
    public IoEngineOption IoEngine { get; init; } = IoEngineOption.Auto;

    // io_uring requests in the kernel at once (the ring's SQ size; rounded up to a power of two).
    public int IoUringQueueDepth { get; init; } = 128;

    // Test switch: behave as if the kernel refused io_uring (as seccomp does), to exercise the
    // fallback to threads. The environment variable SLUICE_SIMULATE_IO_URING_REFUSED=1 does the same.
    internal bool SimulateIoUringRefused { get; init; }

    // Tests only: connections use a StreamTransport over a NetworkStream of their socket instead of
    // the raw descriptor, so the whole request path is proven over the transport TLS will use.
    internal bool WrapInStream { get; init; }

    // Test switch: at most this many bytes of read buffers are registered with the ring (as a
    // lower RLIMIT_MEMLOCK would allow); 0 = unregistered reads only.
    internal long IoUringRegisteredBytesCap { get; init; } = long.MaxValue;

    // Open-file cache: entries (0 disables it) and the age after which an entry is reopened.
    public int OpenFileCacheEntries { get; init; } = 1024;

    public TimeSpan OpenFileCacheMaxAge { get; init; } = TimeSpan.FromSeconds(30);

    // How often the open-file cache drops entries of deleted files (so their space is freed) and expired ones.
    public TimeSpan OpenFileCacheSweepPeriod { get; init; } = TimeSpan.FromSeconds(1);

    // A directory listing shows at most this many entries (and says when it stopped).
    public int MaxListingEntries { get; init; } = 10_000;

    // Prometheus endpoint "HOST:PORT" on its own listener; null = off.
    public string? MetricsEndpoint { get; init; }

    // Debug switch: behave as if the kernel refused these strategies, to exercise the fallbacks.
    public IReadOnlySet<TransferStrategy> ForceFallback { get; init; } = new HashSet<TransferStrategy>();

    // Access control (--auth …); null = off.
    public AuthOptions? Auth { get; init; }

    // TLS: PEM certificate (leaf first, then any chain) and private key; both or neither. With
    // them, every connection on the main port is TLS 1.2/1.3 (ALPN http/1.1), and SIGHUP reloads them.
    public string? TlsCertificatePath { get; init; }

    public string? TlsKeyPath { get; init; }

    // Send file.br / file.zst / file.gz for a request of file when the client accepts the coding
    // and the sibling is not older than file (nginx gzip_static, Caddy precompressed).
    public bool Precompressed { get; init; }

    // --access-log: a file (appended to, reopened on SIGUSR1), or "-" for standard output.
    public string AccessLog { get; init; } = Logging.AccessLogFile.StandardOutput;

    public Logging.AccessLogFormat LogFormat { get; init; } = Logging.AccessLogFormat.Sluice;

    // --trusted-proxy: addresses or CIDR networks whose PROXY protocol header and X-Forwarded-For
    // name the real client (Sluice.Core.Proxy). Empty: every peer is the client.
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    // --receive-strategy: how upload bodies reach their files (ReceivePolicy); large = at or above
    // DirectThreshold, as for downloads.
    public ReceiveStrategyOption ReceiveOption { get; init; } = ReceiveStrategyOption.Auto;

    public ReceivePolicyOptions ReceivePolicy => new()
    {
        Option = ReceiveOption,
        DirectThreshold = DirectThreshold,
    };
    // --upload: PUT/DELETE/MKCOL (README "Uploads"); null when uploads are off.
    public UploadOptions? Uploads { get; init; }
    // Resumable uploads (tus, Uploads/Tus): where unfinished uploads are staged (null: beside the
    // root, StagingLocation.DefaultFor), how long one lives from its creation, and how many bytes
    // all unfinished uploads may reserve together (0 = no cap beyond free space).
    public string? UploadStaging { get; init; }

    public TimeSpan UploadExpiry { get; init; } = TimeSpan.FromHours(24);

    public long UploadStagingQuota { get; init; }

    // Repr-Digest (RFC 9530, Digests/ReprDigests): a SHA-256 sent to clients that send
    // Want-Repr-Digest, computed off the request path. On by default (it costs nothing until a
    // client asks); --no-repr-digest turns it off.
    public bool ReprDigest { get; init; } = true;

    // --digest-xattr: store computed digests in user.sluice.sha256 (with the size and mtime they
    // describe) so that a restart does not hash again. Off: the tree is never written to.
    public bool DigestXattr { get; init; }

    public TransferPolicyOptions Policy => new()
    {
        Option = Strategy,
        CopyThreshold = CopyThreshold,
        DirectThreshold = DirectThreshold,
        LargeStrategy = LargeStrategy,
    };

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (File.Exists(Root))
        {
            errors.Add($"root '{Root}' is a file, not a directory");
        }
        else if (!Directory.Exists(Root))
        {
            errors.Add($"root directory '{Root}' does not exist");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add("--port must be between 0 and 65535");
        }

        if (!Hosting.ListenAddress.TryParse(Host, out _))
        {
            errors.Add($"--host '{Host}' is not an IP address");
        }

        if (MaxConnections < 1)
        {
            errors.Add("--max-connections must be at least 1");
        }

        if (MaxConnectionsPerAddress < 0)
        {
            errors.Add("--max-connections-per-address must not be negative (0 = no cap)");
        }

        if (HeaderTimeout <= TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero || SendTimeout <= TimeSpan.Zero)
        {
            errors.Add("--header-timeout, --keepalive-timeout and --send-timeout must be positive");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add("--shutdown-timeout must not be negative");
        }

        if (MinSendRate < 0 || MinSendRateGrace < TimeSpan.Zero)
        {
            errors.Add("--min-send-rate and --min-send-rate-grace must not be negative");
        }

        if (SendfileChunkBytes < 4096 || BufferedChunkBytes < 512)
        {
            errors.Add("chunk sizes are too small");
        }

        // Each copy response rents a buffer of its body's size: keep that small.
        if (CopyThreshold is < 0 or > 1024 * 1024)
        {
            errors.Add("--copy-threshold must be between 0 and 1 MiB");
        }
        else if (CopyThreshold >= DirectThreshold && DirectThreshold > 0)
        {
            errors.Add("--copy-threshold must be below --direct-threshold");
        }

        if (DirectThreshold < 0)
        {
            errors.Add("--direct-threshold must not be negative");
        }

        if (LargeStrategy is not (TransferStrategy.Direct or TransferStrategy.Dontcache))
        {
            errors.Add("--large-strategy must be direct or dontcache");
        }

        if (ReadBufferBytes < 4096 || ReadBufferBytes % 4096 != 0 || ReadBufferBytes > 64 * 1024 * 1024)
        {
            errors.Add("--read-buffer must be a multiple of 4 KiB between 4 KiB and 64 MiB");
        }

        if (ReadsInFlight is < 1 or > 64 || DiskThreads is < 1 or > 256)
        {
            errors.Add("--reads-in-flight must be 1..64 and --disk-threads 1..256");
        }

        if (IoUringQueueDepth is < 1 or > 4096)
        {
            errors.Add("the io_uring queue depth must be 1..4096");
        }

        if (OpenFileCacheEntries < 0)
        {
            errors.Add("--open-file-cache must not be negative");
        }

        if (OpenFileCacheSweepPeriod <= TimeSpan.Zero)
        {
            errors.Add("the open-file cache sweep period must be positive");
        }

        if (MaxListingEntries < 1)
        {
            errors.Add("--max-listing-entries must be at least 1");
        }

        if (MetricsEndpoint is not null && !ListenEndpoint.TryParse(MetricsEndpoint, Host, out _))
        {
            errors.Add($"--metrics '{MetricsEndpoint}' is not {ListenEndpoint.Forms}");
        }

        if ((TlsCertificatePath is null) != (TlsKeyPath is null))
        {
            errors.Add("--tls-cert and --tls-key must be given together");
        }
        else if (TlsCertificatePath is not null && (!File.Exists(TlsCertificatePath) || !File.Exists(TlsKeyPath)))
        {
            errors.Add($"--tls-cert '{TlsCertificatePath}' or --tls-key '{TlsKeyPath}' does not exist");
        }

        // The check refuses Basic over plain HTTP on a non-loopback address: with --tls-cert the
        // main listener speaks only TLS.
        Auth?.Validate(Host, tls: TlsCertificatePath is not null, errors);

        if (string.IsNullOrWhiteSpace(AccessLog))
        {
            errors.Add("--access-log takes a file path, or - for standard output");
        }

        foreach (string proxy in TrustedProxies)
        {
            if (!Core.Proxy.TrustedProxies.TryParseNetwork(proxy, out _))
            {
                errors.Add($"--trusted-proxy '{proxy}' is not an address or a network such as 10.0.0.0/8 or fd00::/64");
            }
        }

        Uploads?.Validate(Host, hasAuth: Auth is { Entries.Count: > 0 } || Auth?.File is not null, TrustedProxies, errors);
        if (UploadExpiry <= TimeSpan.Zero || UploadStagingQuota < 0)
        {
            errors.Add("--upload-expiry must be positive and --upload-staging-quota not negative");
        }

        // Staged bytes inside the served tree could be downloaded before they are complete.
        if (UploadStaging is not null && Directory.Exists(Root) && Sluice.Server.Uploads.Tus.StagingLocation.IsInside(UploadStaging, Root))
        {
            errors.Add($"--upload-staging '{UploadStaging}' is inside the served directory: staged uploads would be served");
        }

        // Resumable uploads stage beside the root by default; "/" has no "beside".
        if (Uploads is not null && UploadStaging is null && Sluice.Server.Uploads.Tus.StagingLocation.DefaultFor(Root) is null)
        {
            errors.Add($"--upload on '{Root}' needs --upload-staging DIR: resumable uploads are staged beside the served directory by default, and '{Root}' has no parent");
        }

        return errors;
    }
}
