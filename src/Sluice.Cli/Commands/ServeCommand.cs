using System.CommandLine;
using System.Runtime.InteropServices;
using Sluice.Core.Policy;
using Sluice.Core.Units;
using Sluice.Server.Configuration;
using Sluice.Server.Hosting;
using Sluice.Server.Logging;

namespace Sluice.Cli.Commands;

// Binds arguments to ServerOptions and runs the server until SIGINT/SIGTERM. Validation of the
// values lives in ServerOptions.Validate, not here.
public static class ServeCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo?>("DIR")
        {
            Description = "Directory to serve, read-only (default: the current directory).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 serves this machine only; --host 0.0.0.0 shares the directory on the network (every IPv4 interface; '::' every address, IPv6 included; '::1' or '[::1]' this machine over IPv6).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var strategy = new Option<string>("--strategy")
        {
            Description = "How file bodies move: auto (copy up to --copy-threshold, sendfile below --direct-threshold or when resident, else --large-strategy), sendfile (zero-copy), buffered (the classic 32 KiB read/write loop), copy (whole body in one pread + send), direct (O_DIRECT), dontcache (RWF_DONTCACHE).",
            DefaultValueFactory = _ => "auto",
        };
        var followSymlinks = new Option<bool>("--follow-symlinks") { Description = "Serve symlinks whose target lies outside DIR (refused by default)." };
        var dotfiles = new Option<bool>("--dotfiles") { Description = "Serve and list hidden files and directories (names starting with '.'); by default they are 404 and not listed, also behind a symlink." };
        var maxConnections = new Option<int>("--max-connections") { Description = "Concurrent connections; more are answered 503.", DefaultValueFactory = _ => 1024 };
        var maxPerAddress = new Option<int>("--max-connections-per-address") { Description = "Concurrent connections from one client address (0 = no cap); more are answered 503.", DefaultValueFactory = _ => 256 };
        var headerTimeout = new Option<double>("--header-timeout") { Description = "Seconds a client may take to send a request head (for the first request, counted from accept).", DefaultValueFactory = _ => 10 };
        var keepAliveTimeout = new Option<double>("--keepalive-timeout") { Description = "Seconds an idle keep-alive connection stays open.", DefaultValueFactory = _ => 15 };
        var sendTimeout = new Option<double>("--send-timeout") { Description = "Seconds a client may stop reading before it is dropped.", DefaultValueFactory = _ => 60 };
        var minSendRate = new Option<long>("--min-send-rate") { Description = "Bytes per second a client must at least take a response at, after the grace period (0 = off); slower readers are dropped.", DefaultValueFactory = _ => 240 };
        var minSendRateGrace = new Option<double>("--min-send-rate-grace") { Description = "Seconds before --min-send-rate applies.", DefaultValueFactory = _ => 5 };
        var shutdownTimeout = new Option<double>("--shutdown-timeout") { Description = "Seconds transfers in flight may take to finish on SIGINT/SIGTERM.", DefaultValueFactory = _ => 10 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No access log." };
        var directThreshold = new Option<string>("--direct-threshold")
        {
            Description = "auto: bodies of at least this size (bytes, or with K/M/G suffix) bypass the page cache unless already resident.",
            DefaultValueFactory = _ => "4MiB",
        };
        var copyThreshold = new Option<string>("--copy-threshold")
        {
            Description = "auto: bodies up to this size are read whole and sent with the head in one send (0 disables; measured faster than sendfile for small bodies on loopback).",
            DefaultValueFactory = _ => "128KiB",
        };
        var largeStrategy = new Option<string>("--large-strategy")
        {
            Description = "auto: how large cold bodies move: direct (O_DIRECT) or dontcache (RWF_DONTCACHE).",
            DefaultValueFactory = _ => "direct",
        };
        var readBuffer = new Option<string>("--read-buffer") { Description = "direct/dontcache: bytes per disk read.", DefaultValueFactory = _ => "1MiB" };
        var readsInFlight = new Option<int>("--reads-in-flight") { Description = "direct/dontcache: disk reads queued ahead of the socket, per transfer.", DefaultValueFactory = _ => 4 };
        var diskThreads = new Option<int>("--disk-threads") { Description = "Threads that perform blocking disk reads (like nginx's aio threads).", DefaultValueFactory = _ => 4 };
        var ioEngine = new Option<string>("--io-engine")
        {
            Description = "How the server reads from disk: io_uring (the kernel's asynchronous I/O), threads (blocking reads on --disk-threads threads), or auto (io_uring where the kernel allows it, else threads).",
            DefaultValueFactory = _ => "auto",
        };
        var openFileCache = new Option<int>("--open-file-cache") { Description = "Open descriptors of hot files kept for reuse (0 disables).", DefaultValueFactory = _ => 1024 };
        var maxListingEntries = new Option<int>("--max-listing-entries") { Description = "Entries shown in a directory listing at most; the page says when it stops.", DefaultValueFactory = _ => 10_000 };
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics on HOST:PORT (off by default), e.g. localhost:9100, 127.0.0.1:9100, [::1]:9100, or :9100 for the --host address.", HelpName = "host:port" };
        var forceFallback = new Option<string[]>("--debug-force-fallback")
        {
            Description = "Debug: act as if the kernel refused these strategies (direct, dontcache), to exercise the fallbacks.",
            Hidden = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Serve HTTPS (TLS 1.2/1.3) with this PEM certificate (leaf first, then any chain); needs --tls-key. SIGHUP reloads both files." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key for --tls-cert." };
        var precompressed = new Option<bool>("--precompressed")
        {
            Description = "Send FILE.br, FILE.zst or FILE.gz for a request of FILE when the client accepts that coding and the sibling is not older than FILE.",
        };
        var accessLog = new Option<string>("--access-log")
        {
            Description = "Where the access log goes: a file (appended to; reopened on SIGUSR1, for logrotate), or - for standard output.",
            DefaultValueFactory = _ => AccessLogFile.StandardOutput,
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "Access log format: sluice (with strategy and reason), combined (Apache/nginx, body bytes), or json (one object per line).",
            DefaultValueFactory = _ => "sluice",
        };
        CliValues.Choice(logFormat, "sluice", "combined", "json");
        var trustedProxy = new Option<string[]>("--trusted-proxy")
        {
            Description = "Address or CIDR network of a proxy in front (repeatable): from it only, a PROXY protocol v1/v2 header or X-Forwarded-For names the client for the log and the per-address limits.",
        };

        // Lowercase values and the expected form in help and errors (no .NET type names).
        var receiveStrategy = new Option<string>("--receive-strategy")
        {
            Description = "How upload bodies reach their files: auto (splice; bodies of at least --direct-threshold kept out of the page cache), buffered (recv + pwrite), splice (socket → pipe → file, no user-space copy), dontcache (pwritev2 RWF_DONTCACHE), direct (O_DIRECT). TLS and chunked bodies always go buffered.",
            DefaultValueFactory = _ => "auto",
        };
        CliValues.Choice(receiveStrategy, "auto", "buffered", "splice", "dontcache", "direct");
        CliValues.Number(port, "a port number 0-65535 such as 8080");
        CliValues.Choice(strategy, "auto", "sendfile", "buffered", "copy", "direct", "dontcache");
        CliValues.Number(maxConnections, "a whole number such as 1024");
        CliValues.Number(maxPerAddress, "a whole number such as 256 (0 = no cap)");
        CliValues.Number(headerTimeout, "a number of seconds such as 10");
        CliValues.Number(keepAliveTimeout, "a number of seconds such as 15");
        CliValues.Number(sendTimeout, "a number of seconds such as 60");
        CliValues.Number(minSendRate, "a whole number of bytes per second such as 240 (0 = off)");
        CliValues.Number(minSendRateGrace, "a number of seconds such as 5");
        CliValues.Number(shutdownTimeout, "a number of seconds such as 10");
        CliValues.Choice(largeStrategy, "direct", "dontcache");
        CliValues.Number(readsInFlight, "a whole number such as 4");
        CliValues.Number(diskThreads, "a whole number such as 4");
        CliValues.Choice(ioEngine, "auto", "io_uring", "threads");
        CliValues.Number(openFileCache, "a whole number such as 1024 (0 = off)");
        CliValues.Number(maxListingEntries, "a whole number such as 10000");
        CliValues.Choice(forceFallback, "direct", "dontcache");
        CliValues.Size(directThreshold, "4MiB");
        CliValues.Size(copyThreshold, "128KiB");
        CliValues.Size(readBuffer, "1MiB");

        // An unknown option such as --bogus would otherwise be taken as DIR ("'--bogus' does not exist").
        directory.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens[0].Value.StartsWith('-') && !Directory.Exists(result.Tokens[0].Value))
            {
                result.AddError($"unknown option '{result.Tokens[0].Value}'");
            }
        });

        var command = new Command("serve", "Serve a directory over HTTP/1.1 (GET and HEAD, ranges, conditional requests).")
        {
            directory, host, port, strategy, followSymlinks, dotfiles, maxConnections, maxPerAddress, headerTimeout, keepAliveTimeout, sendTimeout, minSendRate, minSendRateGrace, shutdownTimeout, quiet,
            directThreshold, copyThreshold, largeStrategy, readBuffer, readsInFlight, diskThreads, ioEngine, openFileCache, maxListingEntries, metrics, forceFallback,
            tlsCert, tlsKey,
            precompressed,
            accessLog, logFormat,
            trustedProxy,
            receiveStrategy,
        };
        var auth = new AuthCliOptions();
        auth.AddTo(command);
        var uploads = new UploadCliOptions();
        uploads.AddTo(command);
        var tus = new TusCliOptions();
        tus.AddTo(command);
        var digests = new DigestCliOptions();
        digests.AddTo(command);

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!ByteSize.TryParse(parse.GetValue(directThreshold)!, out long threshold) || !ByteSize.TryParse(parse.GetValue(readBuffer)!, out long readBytes)
                || !ByteSize.TryParse(parse.GetValue(copyThreshold)!, out long copyBytes))
            {
                await Console.Error.WriteLineAsync("sluice: --direct-threshold, --copy-threshold and --read-buffer take a size such as 4096, 512K, 4MiB or 1GiB").ConfigureAwait(false);
                return 2;
            }

            var options = new ServerOptions
            {
                Root = parse.GetValue(directory)?.FullName ?? Directory.GetCurrentDirectory(),
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Strategy = Enum.Parse<StrategyOption>(parse.GetValue(strategy)!, ignoreCase: true),
                FollowSymlinks = parse.GetValue(followSymlinks),
                ServeDotfiles = parse.GetValue(dotfiles),
                MaxConnections = parse.GetValue(maxConnections),
                MaxConnectionsPerAddress = parse.GetValue(maxPerAddress),
                MinSendRate = parse.GetValue(minSendRate),
                MinSendRateGrace = TimeSpan.FromSeconds(parse.GetValue(minSendRateGrace)),
                HeaderTimeout = TimeSpan.FromSeconds(parse.GetValue(headerTimeout)),
                KeepAliveTimeout = TimeSpan.FromSeconds(parse.GetValue(keepAliveTimeout)),
                SendTimeout = TimeSpan.FromSeconds(parse.GetValue(sendTimeout)),
                ShutdownTimeout = TimeSpan.FromSeconds(parse.GetValue(shutdownTimeout)),
                Quiet = parse.GetValue(quiet),
                DirectThreshold = threshold,
                CopyThreshold = copyBytes,
                LargeStrategy = Enum.Parse<TransferStrategy>(parse.GetValue(largeStrategy)!, ignoreCase: true),
                ReadBufferBytes = (int)Math.Min(readBytes, int.MaxValue),
                ReadsInFlight = parse.GetValue(readsInFlight),
                DiskThreads = parse.GetValue(diskThreads),
                IoEngine = parse.GetValue(ioEngine) switch
                {
                    "io_uring" => IoEngineOption.IoUring,
                    "threads" => IoEngineOption.Threads,
                    _ => IoEngineOption.Auto,
                },
                OpenFileCacheEntries = parse.GetValue(openFileCache),
                MaxListingEntries = parse.GetValue(maxListingEntries),
                MetricsEndpoint = parse.GetValue(metrics),
                ForceFallback = (parse.GetValue(forceFallback) ?? []).Select(name => Enum.Parse<TransferStrategy>(name, ignoreCase: true)).ToHashSet(),
                Auth = auth.Bind(parse),
                TlsCertificatePath = parse.GetValue(tlsCert),
                TlsKeyPath = parse.GetValue(tlsKey),
                Precompressed = parse.GetValue(precompressed),
                AccessLog = parse.GetValue(accessLog)!,
                LogFormat = parse.GetValue(logFormat) switch
                {
                    "combined" => AccessLogFormat.Combined,
                    "json" => AccessLogFormat.Json,
                    _ => AccessLogFormat.Sluice,
                },
                TrustedProxies = parse.GetValue(trustedProxy) ?? [],
                ReceiveOption = Enum.Parse<ReceiveStrategyOption>(parse.GetValue(receiveStrategy)!, ignoreCase: true),
                Uploads = uploads.Bind(parse),
            };
            options = tus.Bind(parse, options);
            options = digests.Bind(parse, options);
            return await RunAsync(options).ConfigureAwait(false);
        });
        return command;
    }

    // SIGUSR1 is 10 on every Linux ABI .NET runs on; PosixSignal names no such member, and
    // PosixSignalRegistration takes raw numbers.
    private const PosixSignal SIGUSR1 = (PosixSignal)10;

    // The access log file is opened here, before the server starts, so a wrong path is one line
    // and exit 1 rather than a server that runs without its log.
    private static async Task<ServerLog?> OpenLogAsync(ServerOptions options)
    {
        if (options.AccessLog == AccessLogFile.StandardOutput || options.Quiet)
        {
            return new ServerLog(Console.Out, Console.Error, options.Quiet, format: options.LogFormat);
        }

        string path = Path.GetFullPath(options.AccessLog);
        try
        {
            return new ServerLog(AccessLogFile.Open(path), Console.Error, quiet: false, format: options.LogFormat, reopenAccess: () => AccessLogFile.Open(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"sluice: {ex.Message}").ConfigureAwait(false);
            return null;
        }
    }

    private static async Task<int> RunAsync(ServerOptions options)
    {
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            foreach (string error in errors)
            {
                await Console.Error.WriteLineAsync($"sluice: {error}").ConfigureAwait(false);
            }

            return 2;
        }

        await using ServerLog? log = await OpenLogAsync(options).ConfigureAwait(false);
        if (log is null)
        {
            return 1;
        }

        // SIGUSR1 reopens the access log, as nginx does: logrotate renames the file, then signals.
        // Registered with standard output too, so the signal never kills the server by default.
        using var sigusr1 = PosixSignalRegistration.Create(SIGUSR1, context =>
        {
            context.Cancel = true;
            log.ReopenAccessLog();
        });
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        SluiceServer server;
        try
        {
            server = new SluiceServer(options, log);
        }
        catch (InvalidOperationException ex)
        {
            log.Warn(ex.Message);
            return 1;
        }
        catch (IOException ex)
        {
            // An unreadable root: one line, no stack trace; a run-time failure, exit 1.
            log.Info(ex.Message);
            return UsageErrors.RuntimeFailureExitCode;
        }

        // SIGHUP reloads the TLS certificate: new handshakes use it, connections keep theirs.
        // It also re-reads --auth-file (a broken file keeps the current users).
        using PosixSignalRegistration? sighup = server.Tls is null && options.Auth?.File is null ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            server.ReloadTlsCertificate();
            server.ReloadAuthFile();
        });
        await using (server.ConfigureAwait(false))
        {
            try
            {
                server.Start();
            }
            catch (ListenerBindException ex)
            {
                // One line naming the listener (main or metrics) and the address; exit 1.
                log.Info(ex.Message);
                return 1;
            }
            catch (InvalidOperationException ex)
            {
                // Socket activation with descriptors that are not listening TCP sockets.
                log.Warn(ex.Message);
                return 1;
            }

            foreach (string address in ListeningAddresses.Describe(server.LocalEndPoint!))
            {
                log.Info($"reachable at {address}");
            }

            await stop.Task.ConfigureAwait(false);
            log.Info("shutting down: no new connections; waiting for transfers in flight");
            await server.StopAsync().ConfigureAwait(false);
            log.Info("stopped");
            return 0;
        }
    }
}
