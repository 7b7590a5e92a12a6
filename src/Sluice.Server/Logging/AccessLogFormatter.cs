using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sluice.Server.Logging;

// Turns entries into lines on the log's writer thread, never on a thread that serves a socket:
// formatting (dates, escaping, JSON) is work the response does not need to wait for. One instance
// per writer thread; it reuses its JSON buffer, so it is not thread-safe.
public sealed class AccessLogFormatter
{
    // Relaxed escaping: '+', '&', '<' and non-ASCII stay readable (a log is not HTML); quotes,
    // backslashes and control characters are still escaped, so a line stays one JSON object.
    private static readonly JsonWriterOptions s_jsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _json = new(512);
    private readonly AccessLogFormat _format;

    public AccessLogFormatter(AccessLogFormat format)
    {
        _format = format;
    }

    public string Format(in AccessLogEntry entry) => _format switch
    {
        AccessLogFormat.Combined => Combined(entry),
        AccessLogFormat.Json => Json(entry),
        _ => entry.Format(),
    };

    // Apache's and nginx's combined: %h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i".
    // %b is the body bytes, 0 when none (nginx's $body_bytes_sent; Apache prints "-" there, which
    // parsers accept as well). %l is "-" (no identd); %u the verified user, "-" without one.
    public static string Combined(in AccessLogEntry entry)
    {
        var b = new StringBuilder(160);
        b.Append(entry.RemoteHost).Append(" - ").Append(UserField(entry.User)).Append(" [");
        AppendCommonLogTime(b, entry.Time);
        b.Append("] \"");
        if (entry.Method.Length == 0)
        {
            b.Append('-');
        }
        else
        {
            b.Append(LogEscape.Field(entry.Method)).Append(' ').Append(LogEscape.Field(entry.Target)).Append(' ').Append(entry.Version);
        }

        b.Append("\" ").Append(entry.Status.ToString(CultureInfo.InvariantCulture))
         .Append(' ').Append(entry.BodyBytes.ToString(CultureInfo.InvariantCulture))
         .Append(" \"").Append(entry.Referer is null ? "-" : LogEscape.Field(entry.Referer))
         .Append("\" \"").Append(entry.UserAgent is null ? "-" : LogEscape.Field(entry.UserAgent))
         .Append('"');
        return b.ToString();
    }

    // %u is unquoted, and an auth file's user name may hold a space (htpasswd allows one), which
    // would shift every later field for a parser that splits on spaces (Apache and nginx leave it
    // so): here it is escaped as \x20 as well. An empty name is "-" like a missing one.
    private static string UserField(string? user) =>
        string.IsNullOrEmpty(user) ? "-" : LogEscape.Field(user).Replace(" ", "\\x20", StringComparison.Ordinal);

    // [10/Oct/2000:13:55:36 +0000]: English month names whatever the culture, offset without a colon.
    private static void AppendCommonLogTime(StringBuilder b, DateTimeOffset time)
    {
        b.Append(time.ToString("dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture));
        TimeSpan offset = time.Offset;
        b.Append(offset < TimeSpan.Zero ? '-' : '+')
         .Append(Math.Abs(offset.Hours).ToString("00", CultureInfo.InvariantCulture))
         .Append(Math.Abs(offset.Minutes).ToString("00", CultureInfo.InvariantCulture));
    }

    private string Json(in AccessLogEntry entry)
    {
        _json.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_json, s_jsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("time", entry.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteString("remote", entry.Remote);
            w.WriteString("user", entry.User);
            w.WriteString("method", entry.Method.Length == 0 ? null : entry.Method);
            w.WriteString("target", entry.Method.Length == 0 ? null : LogEscape.Json(entry.Target));
            w.WriteString("protocol", entry.Method.Length == 0 ? null : entry.Version);
            w.WriteNumber("status", entry.Status);
            w.WriteNumber("bytes", entry.BodyBytes);
            w.WriteNumber("bytes_sent", entry.BytesSent);
            w.WriteString("referer", LogEscape.Json(entry.Referer));
            w.WriteString("user_agent", LogEscape.Json(entry.UserAgent));
            w.WriteString("strategy", entry.Strategy);
            w.WriteString("reason", entry.Reason);
            w.WriteString("outcome", entry.Outcome);
            w.WriteNumber("duration_ms", Math.Round(entry.DurationMs, 3));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(_json.WrittenSpan);
    }
}
