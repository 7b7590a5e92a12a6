namespace Sluice.Server.Logging;

// One line per response: who asked what, what happened, how the bytes moved and how long it took.
// Method, target, referer and user agent come from the client and are escaped by each format
// (LogEscape, or JSON's own escaping); the other fields are ours. User is the name a request's
// credentials were verified for (null when none were): it comes from the auth file, and is escaped
// all the same. BytesSent is everything written
// to the socket (head and body), BodyBytes only the body: the combined format's %b is the body,
// so log analysers that sum it get the content served, not the protocol overhead.
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
    double DurationMs,
    long BodyBytes = 0,
    string? Referer = null,
    string? UserAgent = null,
    string? User = null)
{
    // The sluice format. A refusal before any request line was read (503 at accept, 408 on a
    // silent partial head) has no method: its request field is "-", as nginx logs it.
    public string Format() => Method.Length == 0
        ? $"{Time:yyyy-MM-ddTHH:mm:ss.fffZ} {Remote} \"-\" {Status} {BytesSent} strategy={Strategy} reason={Reason} outcome={Outcome} {DurationMs:0.###}ms"
        : $"{Time:yyyy-MM-ddTHH:mm:ss.fffZ} {Remote} \"{LogEscape.Field(Method)} {LogEscape.Field(Target)} {Version}\" {Status} {BytesSent} strategy={Strategy} reason={Reason} outcome={Outcome} {DurationMs:0.###}ms";

    // The client's address without the port: "127.0.0.1:5000" → "127.0.0.1", "[::1]:5000" → "::1".
    public string RemoteHost
    {
        get
        {
            if (Remote.StartsWith('['))
            {
                int close = Remote.IndexOf(']');
                return close > 0 ? Remote[1..close] : Remote;
            }

            int colon = Remote.LastIndexOf(':');
            return colon > 0 && Remote.IndexOf(':') == colon ? Remote[..colon] : Remote;
        }
    }
}
