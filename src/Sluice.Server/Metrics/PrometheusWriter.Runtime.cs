using System.Runtime;
using System.Text;
using Sluice.Interop.Pal;

namespace Sluice.Server.Metrics;

// The runtime's and the process's own figures, under the names Prometheus client libraries use
// (process_*, dotnet_*), so that a scrape before and after a load run shows what a request costs
// in allocations, collections, GC pauses and thread-pool work items — counts that, unlike
// latencies, do not depend on how loaded the machine is.
public static partial class PrometheusWriter
{
    private static void WriteRuntime(StringBuilder b)
    {
        Header(b, "process_resident_memory_bytes", "gauge", "Resident set size (from /proc/self/statm).");
        Line(b, "process_resident_memory_bytes", null, ReadResidentBytes());
        Header(b, "process_open_fds", "gauge", "Open file descriptors.");
        Line(b, "process_open_fds", null, DescriptorLimit.OpenNow());
        Header(b, "process_max_fds", "gauge", "Maximum number of open file descriptors (the soft RLIMIT_NOFILE).");
        Line(b, "process_max_fds", null, DescriptorLimit.Read().Soft);
        Header(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
        Line(b, "process_start_time_seconds", null, s_startTimeSeconds.Value);

        // Which collector runs matters for the tail: a server GC on 2 cores, or a background
        // (concurrent) GC, adds threads that compete with the event threads.
        Header(b, "dotnet_gc_info", "gauge", "The collector in use: server or workstation, and its latency mode (batch = non-concurrent).");
        Line(b, "dotnet_gc_info", $"mode=\"{(GCSettings.IsServerGC ? "server" : "workstation")}\",latency=\"{GCSettings.LatencyMode.ToString().ToLowerInvariant()}\"", 1);

        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        Header(b, "dotnet_gc_heap_bytes", "gauge", "Managed heap size after the last collection.");
        Line(b, "dotnet_gc_heap_bytes", null, gc.HeapSizeBytes);
        Header(b, "dotnet_gc_committed_bytes", "gauge", "Memory committed by the GC.");
        Line(b, "dotnet_gc_committed_bytes", null, gc.TotalCommittedBytes);
        Header(b, "dotnet_gc_collections_total", "counter", "Garbage collections, by generation (a gen-1 collection also counts in gen 0).");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            Line(b, "dotnet_gc_collections_total", $"generation=\"{generation}\"", GC.CollectionCount(generation));
        }

        Header(b, "dotnet_gc_pause_seconds_total", "counter", "Time the runtime was paused for garbage collection since start.");
        Line(b, "dotnet_gc_pause_seconds_total", null, GC.GetTotalPauseDuration().TotalSeconds);
        Header(b, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since start.");
        Line(b, "dotnet_gc_allocated_bytes_total", null, GC.GetTotalAllocatedBytes());

        // Completed work items against requests served tells whether requests run inline on the
        // socket engine's epoll threads or hop to the pool.
        Header(b, "dotnet_threadpool_threads", "gauge", "Thread-pool worker threads.");
        Line(b, "dotnet_threadpool_threads", null, ThreadPool.ThreadCount);
        Header(b, "dotnet_threadpool_completed_items_total", "counter", "Work items the thread pool has run since start.");
        Line(b, "dotnet_threadpool_completed_items_total", null, ThreadPool.CompletedWorkItemCount);
        Header(b, "dotnet_threadpool_queue_length", "gauge", "Work items waiting in the thread pool's queues.");
        Line(b, "dotnet_threadpool_queue_length", null, ThreadPool.PendingWorkItemCount);
        // Contended lock acquisitions (Monitor and System.Threading.Lock): the event threads share
        // nothing by design, so a count that grows with requests names a lock they fight over.
        Header(b, "dotnet_monitor_lock_contention_total", "counter", "Lock acquisitions that found the lock held.");
        Line(b, "dotnet_monitor_lock_contention_total", null, Monitor.LockContentionCount);
    }

    // The process's start, from the kernel (/proc/self/stat's starttime, through Process), read
    // once: it cannot change.
    private static readonly Lazy<double> s_startTimeSeconds = new(() =>
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return Math.Round((self.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds, 3);
    });

    // statm's second field is resident pages; 0 where /proc is not readable.
    private static long ReadResidentBytes()
    {
        try
        {
            string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
