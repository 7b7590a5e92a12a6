using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Configuration;

namespace Sluice.Server.Disk;

// Picks the disk engine once, at start, and says which in one log line. io_uring is refused in
// many places that run servers: by seccomp in most container runtimes (EPERM), by the
// kernel.io_uring_disabled sysctl (EPERM), by kernels without it (ENOSYS); auto then runs the
// threads, and the log line and sluice_disk_engine_info make that fallback visible.
internal static class DiskEngineSelection
{
    internal const string SimulateRefusedVariable = "SLUICE_SIMULATE_IO_URING_REFUSED";

    // createPool(arenaBuffers) makes the read-buffer pool; io_uring registers its arena.
    // choice is the one log line ("disk engine: ..."): the server writes it once it has bound its
    // listeners, so a start that fails on a busy port still prints exactly one line.
    public static IDiskEngine Create(ServerOptions options, Func<int, AlignedBufferPool> createPool, out DiskEngineCounters counters, out AlignedBufferPool pool, out string choice)
    {
        if (options.IoEngine != IoEngineOption.Threads)
        {
            IoUringDiskEngine? ring = null;
            string reason;
            if (options.SimulateIoUringRefused || Environment.GetEnvironmentVariable(SimulateRefusedVariable) == "1")
            {
                reason = "EPERM, simulated";
            }
            else
            {
                ring = IoUringDiskEngine.TryCreate(options.IoUringQueueDepth, options.DiskThreads, out _, out reason);
            }

            if (ring is not null)
            {
                pool = createPool(PlanRegisteredBuffers(options));
                int registered = ring.RegisterArena(pool);
                choice = $"disk engine: io_uring (queue depth {ring.Depth}, registered buffers {registered})";
                counters = ring.Counters;
                return ring;
            }

            if (options.IoEngine == IoEngineOption.IoUring)
            {
                throw new InvalidOperationException($"--io-engine io_uring: io_uring refused: {reason}");
            }

            choice = $"disk engine: threads (io_uring refused: {reason})";
        }
        else
        {
            choice = "disk engine: threads (--io-engine threads)";
        }

        pool = createPool(0);
        var threads = new ThreadDiskEngine(options.DiskThreads);
        counters = threads.Counters;
        return threads;
    }

    // Registered memory is pinned and counts against RLIMIT_MEMLOCK (8 MiB for non-root users;
    // CAP_IPC_LOCK lifts it, but sizing to the limit keeps one rule for both). Over the limit the
    // kernel would refuse the whole registration, so the arena is sized to fit.
    private static int PlanRegisteredBuffers(ServerOptions options)
    {
        long bytes = Math.Min(Math.Min(options.ReadBufferBudgetBytes, options.IoUringRegisteredBytesCap), Ring.LockedMemoryLimit());
        return (int)Math.Max(0, bytes / options.ReadBufferBytes);
    }
}
