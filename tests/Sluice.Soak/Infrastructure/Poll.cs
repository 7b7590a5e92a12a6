namespace Sluice.Soak.Infrastructure;

internal static class Poll
{
    // Polls until the condition holds or the deadline passes; returns whether it held.
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan deadline) => UntilAsync(() => Task.FromResult(condition()), deadline);

    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        long end = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (Environment.TickCount64 > end)
            {
                return false;
            }

            await Task.Delay(20);
        }
    }
}
