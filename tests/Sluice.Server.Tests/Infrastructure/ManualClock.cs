namespace Sluice.Server.Tests.Infrastructure;

// A TimeProvider whose time moves only when a test says so: expiry is tested without sleeping.
public sealed class ManualClock : TimeProvider
{
    // Far from zero, so no "time 0" special case can hide a defect.
    private long _ticks = TimeSpan.FromDays(1).Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
