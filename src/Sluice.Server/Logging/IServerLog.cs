namespace Sluice.Server.Logging;

public interface IServerLog
{
    void Info(string message);

    void Warn(string message);

    void Access(in AccessLogEntry entry);
}
