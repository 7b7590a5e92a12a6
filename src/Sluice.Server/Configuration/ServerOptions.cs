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

    public int MaxConnections { get; init; } = 1024;

    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(15);

    // How long one blocked write may wait for the client to read before the connection is dropped.
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    public int MaxHeaderCount { get; init; } = 100;

    // A body sent with GET/HEAD up to this size is read and discarded; larger ones get 413 and a close.
    public long MaxDiscardedBodyBytes { get; init; } = 64 * 1024;

    // Bytes per sendfile call: bounds how long one fast client holds a thread (nginx sendfile_max_chunk).
    public int SendfileChunkBytes { get; init; } = 2 * 1024 * 1024;

    // The classic loop's buffer: the seed's 32 KiB.
    public int BufferedChunkBytes { get; init; } = 32 * 1024;

    public bool Quiet { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Directory.Exists(Root))
        {
            errors.Add($"root directory '{Root}' does not exist");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add("--port must be between 0 and 65535");
        }

        if (!System.Net.IPAddress.TryParse(Host, out _) && Host != "localhost")
        {
            errors.Add($"--host '{Host}' is not an IP address");
        }

        if (MaxConnections < 1)
        {
            errors.Add("--max-connections must be at least 1");
        }

        if (HeaderTimeout <= TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero || SendTimeout <= TimeSpan.Zero)
        {
            errors.Add("timeouts must be positive");
        }

        if (SendfileChunkBytes < 4096 || BufferedChunkBytes < 512)
        {
            errors.Add("chunk sizes are too small");
        }

        return errors;
    }
}
