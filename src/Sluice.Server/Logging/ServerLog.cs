namespace Sluice.Server.Logging;

// Two bounded queues, each written out by its own background thread (LogQueue): access lines to
// the access log (stdout or --access-log FILE), diagnostics to stderr. Callers never block: a full
// queue drops the line and counts it. Two threads, not one, so that an access log stalled on a
// slow disk or a FIFO nobody reads cannot silence the diagnostics — in particular the warning
// "N log lines dropped", which the diagnostics thread writes at most once a second while lines
// are being lost. Access entries are formatted on the writer thread, not by the thread serving
// the request. DisposeAsync waits for both queues to drain only up to a deadline.
public sealed class ServerLog : IServerLog, IAsyncDisposable
{
    public const int DefaultCapacity = 8192;
    private static readonly TimeSpan s_drainDeadline = TimeSpan.FromSeconds(2);

    private readonly LogQueue<AccessLogEntry> _access;
    private readonly LogQueue<string> _diagnostics;
    private readonly bool _quiet;
    private long _reported;

    // reopenAccess, when given, opens the access log anew (SIGUSR1, for logrotate): the log then
    // owns the access writer and disposes it when it is replaced.
    public ServerLog(TextWriter access, TextWriter diagnostics, bool quiet, int capacity = DefaultCapacity,
        AccessLogFormat format = AccessLogFormat.Sluice, Func<TextWriter>? reopenAccess = null)
    {
        _quiet = quiet;
        _diagnostics = new LogQueue<string>("sluice-log", diagnostics, capacity, static (w, line) => w.WriteLine(line), Warn, tick: () => ReportDrops(diagnostics));
        var formatter = new AccessLogFormatter(format);
        _access = new LogQueue<AccessLogEntry>("sluice-access-log", access, capacity, (w, entry) => w.WriteLine(formatter.Format(entry)), Warn, reopenAccess);
    }

    public long DroppedLines => _access.Dropped + _diagnostics.Dropped;

    public bool AccessEnabled => !_quiet;

    // Diagnostics (startup address, shutdown, refused requests) are not the access log: --quiet
    // silences only the latter, so `serve --port 0 --quiet` still tells where it listens.
    public void Info(string message) => _diagnostics.Add($"sluice: {message}");

    public void Warn(string message) => _diagnostics.Add($"sluice: warning: {message}");

    public void Access(in AccessLogEntry entry)
    {
        if (!_quiet)
        {
            _access.Add(entry);
        }
    }

    // Safe from any thread, a signal handler's included: the access thread reopens before it
    // writes its next line (or within a second when idle).
    public void ReopenAccessLog() => _access.RequestReopen();

    // Every line logged before the call is in the outputs (or counted as lost) within timeout.
    public bool WaitUntilWritten(TimeSpan timeout) =>
        _diagnostics.WaitUntilHandled(timeout) && _access.WaitUntilHandled(timeout);

    public async ValueTask DisposeAsync()
    {
        _access.Complete();
        _diagnostics.Complete();
        try
        {
            await Task.WhenAll(_access.Finished, _diagnostics.Finished).WaitAsync(s_drainDeadline).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // An output is stalled: what is still queued is lost, the process must not hang on it.
        }
    }

    // On the diagnostics thread, about once a second and when it finishes.
    private void ReportDrops(TextWriter output)
    {
        long dropped = DroppedLines;
        if (dropped > _reported)
        {
            long lost = dropped - _reported;
            _reported = dropped;
            try
            {
                output.WriteLine($"sluice: warning: {lost} log lines dropped (output too slow)");
                output.Flush();
            }
            catch (IOException)
            {
                // stderr itself is gone; the count stays visible in /metrics.
            }
        }
    }
}
