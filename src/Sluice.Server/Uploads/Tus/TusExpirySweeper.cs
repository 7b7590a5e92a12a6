namespace Sluice.Server.Uploads.Tus;

// Removes expired uploads on a timer. The sweep deletes files, so it runs on a thread-pool timer
// callback, never on a thread that serves sockets; requests never wait for it (an expired upload is
// already 404 to them before its files go: TusStagingStore.Find checks the time itself).
public sealed class TusExpirySweeper : IDisposable
{
    private readonly TusStagingStore _store;
    private readonly ITimer _timer;
    private readonly Action<Exception>? _onError;
    private int _running;

    public TusExpirySweeper(TusStagingStore store, TimeSpan period, TimeProvider time, Action<Exception>? onError = null)
    {
        _store = store;
        _onError = onError;
        _timer = time.CreateTimer(static s => ((TusExpirySweeper)s!).Tick(), this, period, period);
    }

    // Sweep period for an expiry: often enough that staged bytes outlive their expiry by at most a
    // tenth of it, at least once a minute, at most once a second.
    public static TimeSpan PeriodFor(TimeSpan expiry) =>
        TimeSpan.FromTicks(Math.Clamp(expiry.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    public int Swept { get; private set; }

    private void Tick()
    {
        // A slow disk can make one sweep outlast the period: never run two at once.
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            Swept += _store.Sweep();
        }
        catch (IOException e)
        {
            _onError?.Invoke(e);
        }
        catch (UnauthorizedAccessException e)
        {
            _onError?.Invoke(e);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
