using System.Collections.Concurrent;

namespace Sluice.Server.Logging;

// A bounded queue of lines and the one background thread that writes them out. Adding never
// blocks: when the queue is full the item is dropped and counted. The thread is a background
// thread, so an output that never moves (a FIFO nobody reads, a hung NFS mount) cannot keep the
// process alive; it only stalls this thread. Reopen is requested from any thread (a signal
// handler) and carried out here, between two lines, so the output is never touched by two
// threads and no line is split between the old file and the new.
internal sealed class LogQueue<T>
{
    private readonly BlockingCollection<T> _items;
    private readonly Action<TextWriter, T> _write;
    private readonly Func<TextWriter>? _reopen;
    private readonly Action<string> _warn;
    private readonly Action? _tick;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TextWriter _output;
    private long _dropped;
    private long _added;    // lines queued (Add)
    private long _handled;  // lines written, or lost to a write error, and flushed when the queue ran empty
    private int _reopenRequested;

    // tick runs on this thread about once a second, and once more when the queue is finished.
    public LogQueue(string name, TextWriter output, int capacity, Action<TextWriter, T> write, Action<string> warn, Func<TextWriter>? reopen = null, Action? tick = null)
    {
        _output = output;
        _write = write;
        _warn = warn;
        _reopen = reopen;
        _tick = tick;
        _items = new BlockingCollection<T>(new ConcurrentQueue<T>(), capacity);
        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public Task Finished => _finished.Task;

    public void Add(T item)
    {
        try
        {
            if (_items.TryAdd(item))
            {
                Interlocked.Increment(ref _added);
                return;
            }
        }
        catch (InvalidOperationException)
        {
            // Added after Complete: count it like any other line that could not be written.
        }

        Interlocked.Increment(ref _dropped);
    }

    public void Complete() => _items.CompleteAdding();

    // Waits until every line queued before the call has been handled by the writer thread: for a
    // reader of the output (a test) that must see what was logged, never for the serving path.
    public bool WaitUntilHandled(TimeSpan timeout)
    {
        long target = Interlocked.Read(ref _added);
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Interlocked.Read(ref _handled) < target)
        {
            if (Environment.TickCount64 > end)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    public void RequestReopen()
    {
        if (_reopen is not null)
        {
            Volatile.Write(ref _reopenRequested, 1);
        }
    }

    private void Run()
    {
        long lastTick = Environment.TickCount64;
        try
        {
            while (true)
            {
                bool took = _items.TryTake(out T? item, 1000);
                if (Interlocked.Exchange(ref _reopenRequested, 0) == 1)
                {
                    Reopen();
                }

                if (took)
                {
                    try
                    {
                        _write(_output, item!);
                        if (_items.Count == 0)
                        {
                            _output.Flush();
                        }
                    }
                    catch (IOException)
                    {
                        // Disk full, or a closed pipe (.NET ignores SIGPIPE: EPIPE arrives here).
                        // The line is lost and counted; later lines try again.
                        Interlocked.Increment(ref _dropped);
                    }

                    Interlocked.Increment(ref _handled);
                }

                long now = Environment.TickCount64;
                bool done = !took && _items.IsCompleted;
                if (_tick is not null && (done || now - lastTick >= 1000))
                {
                    _tick();
                    lastTick = now;
                }

                if (done)
                {
                    Flush();
                    return;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The output was closed under us: nothing more can be logged.
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    // The new file is opened before the old one is closed: if the open fails (directory removed,
    // permissions changed), lines keep going to the old file and the failure is reported.
    private void Reopen()
    {
        TextWriter next;
        try
        {
            next = _reopen!();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _warn($"cannot reopen the access log ({ex.Message}); still writing to the old file");
            return;
        }

        TextWriter old = _output;
        _output = next;
        try
        {
            old.Flush();
            old.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private void Flush()
    {
        try
        {
            _output.Flush();
        }
        catch (IOException)
        {
        }
    }
}
