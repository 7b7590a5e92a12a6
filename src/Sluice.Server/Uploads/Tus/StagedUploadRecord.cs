using System.Globalization;
using System.Text;

namespace Sluice.Server.Uploads.Tus;

// The small metadata file beside an upload's data ("<id>.info"): written once at creation and once
// at completion, always as a new file renamed over the old one, so a crash leaves either version
// whole. Line-based "key value"; strings are base64 of UTF-8 so no value can forge a line.
// The offset is not stored here: it is the data file's size, which the fsync after each PATCH
// makes durable together with the bytes.
internal static class StagedUploadRecord
{
    private const string Magic = "sluice-tus 1";

    public static byte[] Format(StagedUpload upload)
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        text.Append("target ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(upload.Target))).Append('\n');
        text.Append("owner ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(upload.Owner))).Append('\n');
        text.Append("length ").Append(upload.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("created ").Append(upload.Created.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("expires ").Append(upload.Expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("ifnonematch ").Append(upload.IfNoneMatch ? '1' : '0').Append('\n');
        text.Append("completed ").Append(upload.Completed ? '1' : '0').Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static StagedUpload? TryParse(string id, string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0] != Magic)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.AsSpan(1))
        {
            int space = line.IndexOf(' ');
            if (space <= 0 || !values.TryAdd(line[..space], line[(space + 1)..]))
            {
                return null;
            }
        }

        try
        {
            if (!values.TryGetValue("target", out string? target) || !values.TryGetValue("owner", out string? owner)
                || !TryLong(values, "length", out long length) || !TryLong(values, "created", out long created)
                || !TryLong(values, "expires", out long expires) || !values.TryGetValue("ifnonematch", out string? ifNoneMatch)
                || !values.TryGetValue("completed", out string? completed) || length < 0)
            {
                return null;
            }

            return new StagedUpload(
                id,
                Encoding.UTF8.GetString(Convert.FromBase64String(target)),
                Encoding.UTF8.GetString(Convert.FromBase64String(owner)),
                length,
                DateTimeOffset.FromUnixTimeMilliseconds(created),
                DateTimeOffset.FromUnixTimeMilliseconds(expires),
                ifNoneMatch == "1")
            {
                Completed = completed == "1",
            };
        }
        catch (FormatException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool TryLong(Dictionary<string, string> values, string key, out long value)
    {
        value = 0;
        return values.TryGetValue(key, out string? text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
