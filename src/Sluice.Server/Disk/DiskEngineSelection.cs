using Sluice.Interop.Pal;
using Sluice.Server.Configuration;
using Sluice.Server.Logging;

namespace Sluice.Server.Disk;

// Picks the disk engine once, at start, and says which in one log line. io_uring is refused in
// many places that run servers: by seccomp in most container runtimes (EPERM), by the
// kernel.io_uring_disabled sysctl (EPERM), by kernels without it (ENOSYS); auto then runs the
// threads, and the log line and sluice_disk_engine_info make that fallback visible.
internal static class DiskEngineSelection
{
    internal const string SimulateRefusedVariable = "SLUICE_SIMULATE_IO_URING_REFUSED";

    public static IDiskEngine Create(ServerOptions options, IServerLog log, out DiskEngineCounters counters)
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
                log.Info($"disk engine: io_uring (queue depth {ring.Depth}, registered buffers 0)");
                counters = ring.Counters;
                return ring;
            }

            if (options.IoEngine == IoEngineOption.IoUring)
            {
                throw new InvalidOperationException($"--io-engine io_uring: io_uring refused: {reason}");
            }

            log.Info($"disk engine: threads (io_uring refused: {reason})");
        }
        else
        {
            log.Info("disk engine: threads (--io-engine threads)");
        }

        var threads = new ThreadDiskEngine(options.DiskThreads);
        counters = threads.Counters;
        return threads;
    }
}
