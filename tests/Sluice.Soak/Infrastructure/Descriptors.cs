using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Soak.Infrastructure;

internal static class Descriptors
{
    // Polls until the server's descriptor count has not changed for `quiet` (bounded by `deadline`):
    // the idle count a batch must return to.
    public static async Task<int> SettledCountAsync(SoakServer server, TimeSpan quiet, TimeSpan deadline)
    {
        long end = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        int last = server.OpenDescriptors();
        long since = Environment.TickCount64;
        while (Environment.TickCount64 - since < quiet.TotalMilliseconds)
        {
            Assert.True(Environment.TickCount64 < end, $"the server's descriptor count did not settle within {deadline} (last {last})");
            await Task.Delay(20);
            int now = server.OpenDescriptors();
            if (now != last)
            {
                last = now;
                since = Environment.TickCount64;
            }
        }

        return last;
    }

    // Polls until the count equals `expected`; returns the last count seen.
    public static async Task<int> WaitForCountAsync(SoakServer server, int expected, TimeSpan deadline)
    {
        int now = 0;
        await Wait.UntilAsync(() => (now = server.OpenDescriptors()) == expected, deadline);
        return now;
    }
}
