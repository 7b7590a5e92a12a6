using System.Threading.Channels;

namespace Sluice.Server.Logging;

// Writes log lines from a single background task, so a slow terminal never stalls a connection.
// When the queue is full, access lines are dropped (and counted) rather than blocking.
public sealed class ServerLog : IServerLog, IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(8192) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly TextWriter _access;
    private readonly TextWriter _diagnostics;
    private readonly bool _quiet;
    private readonly Task _writer;
    private long _dropped;

    public ServerLog(TextWriter access, TextWriter diagnostics, bool quiet)
    {
        _access = access;
        _diagnostics = diagnostics;
        _quiet = quiet;
        _writer = Task.Run(DrainAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public bool AccessEnabled => !_quiet;

    // Diagnostics (startup address, shutdown, refused requests) are not the access log: --quiet
    // silences only the latter, so `serve --port 0 --quiet` still tells where it listens.
    public void Info(string message) => _diagnostics.WriteLine($"sluice: {message}");

    public void Warn(string message) => _diagnostics.WriteLine($"sluice: warning: {message}");

    public void Access(in AccessLogEntry entry)
    {
        if (_quiet)
        {
            return;
        }

        if (!_lines.Writer.TryWrite(entry.Format()))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _access.FlushAsync().ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        await foreach (string line in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await _access.WriteLineAsync(line).ConfigureAwait(false);
            if (_lines.Reader.Count == 0)
            {
                await _access.FlushAsync().ConfigureAwait(false);
            }
        }
    }
}
