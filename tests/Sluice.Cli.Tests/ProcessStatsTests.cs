using System.Globalization;
using Sluice.Server.Metrics;

namespace Sluice.Cli.Tests;

// The bench's CPU figure must include threads that exited during a transfer: /proc/PID/schedstat
// (main thread only) and /proc/PID/task/*/schedstat (live threads only) would both miss them.
public sealed class ProcessStatsTests
{
    private const long BurnNanoseconds = 100_000_000;

    [Fact]
    public void CpuClockCountsTheCpuOfAThreadThatHasExited()
    {
        ProcessStats before = ProcessStats.ReadSelf();
        long burned = 0;
        // Burns CPU until the thread's own schedstat says 100 ms of run time (not wall time: the
        // machine may be loaded), bounded so a broken reading cannot hang the test.
        var thread = new Thread(() =>
        {
            long deadline = Environment.TickCount64 + 60_000;
            long start = OwnRunTime();
            while ((burned = OwnRunTime() - start) < BurnNanoseconds && Environment.TickCount64 < deadline)
            {
                for (int i = 0; i < 100_000; i++)
                {
                    Thread.SpinWait(1);
                }
            }
        });
        thread.Start();
        thread.Join();
        ProcessStats after = ProcessStats.ReadSelf();

        Assert.True(burned >= BurnNanoseconds, $"the thread burned only {burned} ns before its deadline");
        Assert.True(before.CpuNanoseconds >= 0 && after.CpuNanoseconds >= 0, "the process CPU clock could not be read");
        Assert.True(after.CpuNanoseconds - before.CpuNanoseconds >= burned,
            $"process CPU grew by {after.CpuNanoseconds - before.CpuNanoseconds} ns; the exited thread alone ran {burned} ns");
    }

    [Fact]
    public void IoCountersSeeTheReadsOfThisProcess()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sluice-procstats-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[4096]);
        try
        {
            ProcessIo before = ProcessStats.ReadSelf().Io;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
            {
                byte[] buffer = new byte[16];
                for (int i = 0; i < 50; i++)
                {
                    file.Position = 0;
                    _ = file.Read(buffer);
                }
            }

            ProcessIo after = ProcessStats.ReadSelf().Io;

            Assert.True(after.Available);
            Assert.True(after.ReadCalls - before.ReadCalls >= 50, $"syscr grew by {after.ReadCalls - before.ReadCalls}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    // sum_exec_runtime of the calling thread, in nanoseconds (first field of schedstat).
    private static long OwnRunTime() =>
        long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);
}
