using System.Globalization;
using System.Text;
using Sluice.Core.Http;
using Sluice.Core.Policy;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Transfer;

namespace Sluice.Server.Metrics;

// Prometheus text exposition format 0.0.4: what every mechanism did, auto's decisions, the
// open-file cache, and the process's CPU time and context switches.
public static partial class PrometheusWriter
{
    public static string Render(TransferMetrics metrics, OpenFileCache cache, int activeConnections, ConnectionCounters? counters = null, long droppedLogLines = 0, HttpResponseCounters? responses = null)
    {
        var b = new StringBuilder(4096);
        IReadOnlyList<MechanismCounters> all = metrics.All;

        Header(b, "sluice_responses_total", "counter", "File responses completed or aborted, by the strategy that moved the body (a body moved partly by two counts under both).");
        foreach (MechanismCounters m in all)
        {
            Line(b, "sluice_responses_total", $"strategy=\"{Name(m.Strategy)}\"", m.Responses);
        }

        Line(b, "sluice_responses_total", "strategy=\"inline\"", metrics.Inline.Responses);

        Header(b, "sluice_file_responses_total", "counter", "File responses completed or aborted, each counted once.");
        Line(b, "sluice_file_responses_total", null, metrics.FileResponses);

        Header(b, "sluice_bytes_sent_total", "counter", "Bytes written to sockets (heads and bodies), by the strategy that wrote them.");
        foreach (MechanismCounters m in all)
        {
            Line(b, "sluice_bytes_sent_total", $"strategy=\"{Name(m.Strategy)}\"", m.BytesSent);
        }

        Line(b, "sluice_bytes_sent_total", "strategy=\"inline\"", metrics.Inline.BytesSent);

        Header(b, "sluice_disk_bytes_read_total", "counter", "File bytes read (by pread, preadv2 or inside sendfile), by strategy.");
        foreach (MechanismCounters m in all)
        {
            Line(b, "sluice_disk_bytes_read_total", $"strategy=\"{Name(m.Strategy)}\"", m.BytesReadFromDisk);
        }

        Header(b, "sluice_disk_engine_requests_total", "counter", "Reads and populates handed to the disk engine (page-cache misses), by strategy.");
        foreach (MechanismCounters m in all)
        {
            Line(b, "sluice_disk_engine_requests_total", $"strategy=\"{Name(m.Strategy)}\"", m.EngineRequests);
        }

        Header(b, "sluice_syscalls_total", "counter", "System calls issued on the data path, by strategy and kind.");
        foreach (MechanismCounters m in all.Append(metrics.Inline))
        {
            string strategy = ReferenceEquals(m, metrics.Inline) ? "inline" : Name(m.Strategy);
            for (int kind = 0; kind < (int)SyscallKind.Count; kind++)
            {
                Line(b, "sluice_syscalls_total", $"strategy=\"{strategy}\",kind=\"{((SyscallKind)kind).ToString().ToLowerInvariant()}\"", m.Syscalls((SyscallKind)kind));
            }
        }

        Header(b, "sluice_decisions_total", "counter", "Transfer decisions, by chosen strategy and reason.");
        foreach (DecisionReason reason in Enum.GetValues<DecisionReason>())
        {
            foreach (TransferStrategy strategy in Enum.GetValues<TransferStrategy>())
            {
                long count = metrics.Decisions(reason, strategy);
                if (count > 0)
                {
                    Line(b, "sluice_decisions_total", $"strategy=\"{Name(strategy)}\",reason=\"{reason.ToString().ToLowerInvariant()}\"", count);
                }
            }
        }

        Header(b, "sluice_fallbacks_total", "counter", "Responses whose decided strategy moved (part of) the body another way, by decided strategy and reason.");
        foreach (TransferFallback reason in Enum.GetValues<TransferFallback>())
        {
            foreach (TransferStrategy strategy in Enum.GetValues<TransferStrategy>())
            {
                long count = reason == TransferFallback.None ? 0 : metrics.Fallbacks(strategy, reason);
                if (count > 0)
                {
                    Line(b, "sluice_fallbacks_total", $"strategy=\"{Name(strategy)}\",reason=\"{reason.Label()}\"", count);
                }
            }
        }

        Header(b, "sluice_fallback_bytes_sent_total", "counter", "Bytes sent by a fallback, by the strategy that sent them, the strategy decided and the reason.");
        foreach (TransferFallback reason in Enum.GetValues<TransferFallback>())
        {
            foreach (TransferStrategy decided in Enum.GetValues<TransferStrategy>())
            {
                foreach (TransferStrategy movedBy in Enum.GetValues<TransferStrategy>())
                {
                    long bytes = reason == TransferFallback.None ? 0 : metrics.FallbackBytesSent(decided, movedBy, reason);
                    if (bytes > 0)
                    {
                        Line(b, "sluice_fallback_bytes_sent_total", $"strategy=\"{Name(movedBy)}\",decided=\"{Name(decided)}\",reason=\"{reason.Label()}\"", bytes);
                    }
                }
            }
        }

        if (metrics.Capabilities is { } capabilities)
        {
            Header(b, "sluice_filesystem_capability_refused", "gauge", "1 for each filesystem (device major:minor) that refused a capability; such bodies go straight to the fallback.");
            foreach ((ulong device, FilesystemCapability capability) in capabilities.Refusals())
            {
                Line(b, "sluice_filesystem_capability_refused", $"device=\"{device >> 32}:{(uint)device}\",capability=\"{capability.Label()}\"", 1);
            }
        }

        if (metrics.ReadBuffers is { } buffers)
        {
            Header(b, "sluice_read_buffers_in_use", "gauge", "Aligned direct/dontcache read buffers held by transfers.");
            Line(b, "sluice_read_buffers_in_use", null, buffers.InUse);
            Header(b, "sluice_read_buffers_budget", "gauge", "Aligned read buffers the budget allows at once (read-buffer budget / read-buffer size).");
            Line(b, "sluice_read_buffers_budget", null, buffers.MaxBuffers);
            Header(b, "sluice_read_buffer_bytes", "gauge", "Bytes per aligned read buffer.");
            Line(b, "sluice_read_buffer_bytes", null, buffers.BufferBytes);
        }

        if (metrics.DiskEngine is { } engine)
        {
            string label = $"engine=\"{engine.Engine}\"";
            Header(b, "sluice_disk_engine_info", "gauge", "The disk engine chosen at start (io_uring, or threads where io_uring is refused).");
            Line(b, "sluice_disk_engine_info", label, 1);
            Header(b, "sluice_disk_submissions_total", "counter", "Requests handed to the disk engine (io_uring: SQEs, short-read resubmissions included; threads: work items).");
            Line(b, "sluice_disk_submissions_total", label, engine.Submissions);
            Header(b, "sluice_disk_completions_total", "counter", "Requests the disk engine completed (io_uring: CQEs; threads: work items).");
            Line(b, "sluice_disk_completions_total", label, engine.Completions);
        }

        Header(b, "sluice_open_file_cache_hits_total", "counter", "Requests served from a cached descriptor (revalidated by statx).");
        Line(b, "sluice_open_file_cache_hits_total", null, cache.Hits);
        Header(b, "sluice_open_file_cache_misses_total", "counter", "Requests that had to open the file.");
        Line(b, "sluice_open_file_cache_misses_total", null, cache.Misses);
        Header(b, "sluice_open_file_cache_stale_total", "counter", "Cached entries dropped because the file changed or was replaced.");
        Line(b, "sluice_open_file_cache_stale_total", null, cache.Stale);
        Header(b, "sluice_open_file_cache_entries", "gauge", "Descriptors held by the open-file cache.");
        Line(b, "sluice_open_file_cache_entries", null, cache.Count);

        Header(b, "sluice_connections_active", "gauge", "Open client connections.");
        Line(b, "sluice_connections_active", null, activeConnections);

        if (counters is not null)
        {
            WriteConnectionCounters(b, counters);
        }

        if (responses is not null)
        {
            WriteHttp(b, responses);
        }

        Header(b, "sluice_log_lines_dropped_total", "counter", "Log lines dropped because the log output could not keep up.");
        Line(b, "sluice_log_lines_dropped_total", null, droppedLogLines);

        ProcessStats process = ProcessStats.ReadSelf();
        // process_cpu_seconds_total is unlabelled, user + system, as every Prometheus client
        // library exports it (dashboards take its rate() as the CPU in use); the split by mode
        // is Sluice's own series.
        Header(b, "process_cpu_seconds_total", "counter", "User and system CPU time of the server process (from /proc/self/stat).");
        Line(b, "process_cpu_seconds_total", null, (process.UserTicks + process.SystemTicks) / ProcessStats.TicksPerSecond);
        Header(b, "sluice_process_cpu_seconds_total", "counter", "CPU time of the server process, by mode (from /proc/self/stat).");
        Line(b, "sluice_process_cpu_seconds_total", "mode=\"user\"", process.UserSeconds);
        Line(b, "sluice_process_cpu_seconds_total", "mode=\"system\"", process.SystemSeconds);
        Header(b, "process_context_switches_total", "counter", "Context switches of the server process (from /proc/self/status).");
        Line(b, "process_context_switches_total", "kind=\"voluntary\"", process.VoluntarySwitches);
        Line(b, "process_context_switches_total", "kind=\"involuntary\"", process.InvoluntarySwitches);
        WriteRuntime(b);
        return b.ToString();
    }

    private static void WriteConnectionCounters(StringBuilder b, ConnectionCounters counters)
    {
        Header(b, "sluice_requests_refused_total", "counter", "Connections and requests refused, by status and reason.");
        Line(b, "sluice_requests_refused_total", "status=\"503\",reason=\"connection_limit\"", counters.Busy(BusyKind.Server));
        Line(b, "sluice_requests_refused_total", "status=\"503\",reason=\"address_limit\"", counters.Busy(BusyKind.Address));
        foreach (RequestRejectionReason reason in Enum.GetValues<RequestRejectionReason>())
        {
            long count = counters.Rejections(reason);
            if (reason != RequestRejectionReason.None && (count > 0 || reason == RequestRejectionReason.HeaderTimeout))
            {
                Line(b, "sluice_requests_refused_total", $"status=\"{RequestRejection.StatusCode(reason)}\",reason=\"{Snake(reason.ToString())}\"", count);
            }
        }

        Header(b, "sluice_connections_timed_out_total", "counter", "Connections closed by a timeout, by kind.");
        foreach (TimeoutKind kind in Enum.GetValues<TimeoutKind>())
        {
            Line(b, "sluice_connections_timed_out_total", $"reason=\"{Snake(kind.ToString())}\"", counters.Timeouts(kind));
        }

        Header(b, "sluice_accept_backoffs_total", "counter", "Accept failures (descriptors exhausted) followed by a back-off.");
        Line(b, "sluice_accept_backoffs_total", null, counters.AcceptBackoffs);

        Header(b, "sluice_heartbeat_ticks_total", "counter", "Heartbeat ticks (each checks every connection's deadlines).");
        Line(b, "sluice_heartbeat_ticks_total", null, counters.HeartbeatTicks);
        Header(b, "sluice_heartbeat_seconds_total", "counter", "Time the heartbeat ticks took in all.");
        Line(b, "sluice_heartbeat_seconds_total", null, counters.HeartbeatSeconds);
        WriteAuth(b, counters.Auth);
    }

    // MinSendRate -> min_send_rate
    private static string Snake(string name)
    {
        var b = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                b.Append('_');
            }

            b.Append(char.ToLowerInvariant(name[i]));
        }

        return b.ToString();
    }

    private static string Name(TransferStrategy strategy) => strategy.ToString().ToLowerInvariant();

    private static void Header(StringBuilder b, string name, string type, string help) =>
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder b, string name, string? labels, double value)
    {
        b.Append(name);
        if (labels is not null)
        {
            b.Append('{').Append(labels).Append('}');
        }

        b.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
