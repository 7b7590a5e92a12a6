namespace Sluice.Server.Logging;

// The access log's line format (--log-format).
public enum AccessLogFormat : byte
{
    // Sluice's own: time, client, request, status, bytes on the wire, strategy, reason, outcome, duration.
    Sluice,
    // The Apache/nginx "combined" format, which log analysers (GoAccess, AWStats, fail2ban) parse.
    Combined,
    // One JSON object per line, every field named, strategy and reason included.
    Json,
}
