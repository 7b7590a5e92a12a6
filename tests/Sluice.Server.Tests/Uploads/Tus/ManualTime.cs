namespace Sluice.Server.Tests.Uploads.Tus;

// A clock the test moves (expiry without waiting a day).
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
