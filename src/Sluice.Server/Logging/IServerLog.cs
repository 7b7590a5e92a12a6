namespace Sluice.Server.Logging;

// The server's log. Implementations must never block the caller: serving and shutdown must not
// wait on a slow or stalled log pipe.
public interface IServerLog
{
    void Info(string message);

    void Warn(string message);

    // False when access logging is off, so callers can skip building the entry.
    bool AccessEnabled { get; }

    void Access(in AccessLogEntry entry);

    // Lines not written because the output could not keep up (for /metrics).
    long DroppedLines { get; }
}
