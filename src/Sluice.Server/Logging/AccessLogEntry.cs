namespace Sluice.Server.Logging;

// One line per response: who asked what, what happened, how the bytes moved and how long it took.
// Method and target come from the client and are escaped (LogEscape); the other fields are ours.
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
        $"{Time:yyyy-MM-ddTHH:mm:ss.fffZ} {Remote} \"{LogEscape.Field(Method)} {LogEscape.Field(Target)} {Version}\" {Status} {BytesSent} strategy={Strategy} reason={Reason} outcome={Outcome} {DurationMs:0.###}ms";
}
