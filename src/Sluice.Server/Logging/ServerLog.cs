using System.Collections.Concurrent;

namespace Sluice.Server.Logging;

// Every line — access and diagnostics — goes to one bounded queue that one background thread
// writes out. Callers never block: when the queue is full the line is dropped and counted, and
// the writer reports the count ("N log lines dropped") at most once a second. A stalled stdout
// or stderr pipe therefore stalls only the writer thread (a background thread, so it cannot keep
// the process alive); DisposeAsync waits for the queue to drain only up to a deadline.
public sealed class ServerLog : IServerLog, IAsyncDisposable
{
    public const int DefaultCapacity = 8192;
    private static readonly TimeSpan s_drainDeadline = TimeSpan.FromSeconds(2);

    private readonly BlockingCollection<LogLine> _lines;
    private readonly TextWriter _access;
    private readonly TextWriter _diagnostics;
    private readonly bool _quiet;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _dropped;
    private long _reported;

    public ServerLog(TextWriter access, TextWriter diagnostics, bool quiet, int capacity = DefaultCapacity)
    {
        _access = access;
        _diagnostics = diagnostics;
        _quiet = quiet;
        _lines = new BlockingCollection<LogLine>(new ConcurrentQueue<LogLine>(), capacity);
        new Thread(Write) { IsBackground = true, Name = "sluice-log" }.Start();
    }

    public long DroppedLines => Interlocked.Read(ref _dropped);

    public bool AccessEnabled => !_quiet;

    // Diagnostics (startup address, shutdown, refused requests) are not the access log: --quiet
    // silences only the latter, so `serve --port 0 --quiet` still tells where it listens.
    public void Info(string message) => Enqueue(new LogLine(Access: false, $"sluice: {message}"));

    public void Warn(string message) => Enqueue(new LogLine(Access: false, $"sluice: warning: {message}"));

    public void Access(in AccessLogEntry entry)
    {
        if (!_quiet)
        {
            Enqueue(new LogLine(Access: true, entry.Format()));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.CompleteAdding();
        try
        {
            await _finished.Task.WaitAsync(s_drainDeadline).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The output is stalled: what is still queued is lost, the process must not hang on it.
        }
    }

    private void Enqueue(LogLine line)
    {
        try
        {
            if (_lines.TryAdd(line))
            {
                return;
            }
        }
        catch (InvalidOperationException)
        {
            // Added after DisposeAsync: count it like any other line that could not be written.
        }

        Interlocked.Increment(ref _dropped);
    }

    private void Write()
    {
        long lastReport = Environment.TickCount64;
        try
        {
            while (true)
            {
                bool took = _lines.TryTake(out LogLine line, 1000);
                if (took)
                {
                    TextWriter target = line.Access ? _access : _diagnostics;
                    target.WriteLine(line.Text);
                    if (_lines.Count == 0)
                    {
                        _access.Flush();
                        _diagnostics.Flush();
                    }
                }

                long now = Environment.TickCount64;
                bool done = !took && _lines.IsCompleted;
                if (done || now - lastReport >= 1000)
                {
                    ReportDrops();
                    lastReport = now;
                }

                if (done)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The output went away (closed pipe): nothing more can be logged.
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private void ReportDrops()
    {
        long dropped = Interlocked.Read(ref _dropped);
        if (dropped > _reported)
        {
            _diagnostics.WriteLine($"sluice: warning: {dropped - _reported} log lines dropped (output too slow)");
            _diagnostics.Flush();
            _reported = dropped;
        }
    }

    private readonly record struct LogLine(bool Access, string Text);
}
