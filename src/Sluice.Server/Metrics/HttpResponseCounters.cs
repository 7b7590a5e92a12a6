using System.Diagnostics;

namespace Sluice.Server.Metrics;

// Responses by status class and the latency histogram behind /metrics. Latency runs from the
// complete request head to the last byte handed to the kernel (or the abort): it includes the
// transfer, so a large file's bucket says how long it took to send, not how fast it started.
// Lock-free (Interlocked on a few longs): every connection's last step touches it.
public sealed class HttpResponseCounters
{
    // Seconds. From half a millisecond (a cached 4 KiB file on loopback) to a minute (a large
    // download); slower ones land in +Inf only.
    public static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly long[] _classes = new long[5];
    // Non-cumulative counts per bucket, the last one +Inf; the writer accumulates.
    private readonly long[] _buckets = new long[Buckets.Length + 1];
    private long _sumTicks;

    // A response to a request that was read: its status class and its latency.
    public void Observe(int status, long startedAt)
    {
        CountStatus(status);
        long elapsed = Stopwatch.GetTimestamp() - startedAt;
        double seconds = elapsed / (double)Stopwatch.Frequency;
        int bucket = 0;
        while (bucket < Buckets.Length && seconds > Buckets[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _sumTicks, elapsed);
    }

    // A response without a request (503 at accept, when a limit is reached): counted by status
    // class only, since there is no request whose latency it would measure.
    public void CountStatus(int status)
    {
        int index = (status / 100) - 1;
        if ((uint)index < (uint)_classes.Length)
        {
            Interlocked.Increment(ref _classes[index]);
        }
    }

    public long Class(int hundreds) => Volatile.Read(ref _classes[hundreds - 1]);

    public long BucketCount(int index) => Volatile.Read(ref _buckets[index]);

    public double SumSeconds => Volatile.Read(ref _sumTicks) / (double)Stopwatch.Frequency;
}
