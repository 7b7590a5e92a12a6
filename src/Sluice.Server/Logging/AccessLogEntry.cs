namespace Sluice.Server.Logging;

// One line per response: who asked what, what happened, how the bytes moved and how long it took.
public readonly record struct AccessLogEntry(
    DateTimeOffset Time,
    string Remote,
    string Method,
    string Target,
    string Version,
    int Status,
    long BytesSent,
    string Strategy,
    string Reason,
    string Outcome,
    double DurationMs)
{
    public string Format() =>
        $"{Time:yyyy-MM-ddTHH:mm:ss.fffZ} {Remote} \"{Method} {Target} {Version}\" {Status} {BytesSent} strategy={Strategy} reason={Reason} outcome={Outcome} {DurationMs:0.###}ms";
}
