namespace Sluice.Server.Logging;

public interface IServerLog
{
    void Info(string message);

    void Warn(string message);

    // False when access logging is off, so callers can skip building the entry.
    bool AccessEnabled { get; }

    void Access(in AccessLogEntry entry);
}
