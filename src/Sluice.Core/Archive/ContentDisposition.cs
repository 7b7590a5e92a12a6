using System.Text;

namespace Sluice.Core.Archive;

// Content-Disposition: attachment with a file name (RFC 6266 §4). The quoted filename is ASCII
// only — a non-ASCII character becomes '_', and '"' and '\' (quoted-string specials) too — and a
// name that lost anything also gets filename* (RFC 8187 ext-value, UTF-8), which every current
// browser prefers over filename.
public static class ContentDisposition
{
    public static string Attachment(string fileName)
    {
        var ascii = new StringBuilder(fileName.Length);
        bool exact = true;
        foreach (char c in fileName)
        {
            if (c is >= ' ' and < (char)0x7F and not '"' and not '\\')
            {
                ascii.Append(c);
            }
            else
            {
                ascii.Append('_');
                exact = false;
            }
        }

        string value = "attachment; filename=\"" + ascii + "\"";
        return exact ? value : value + "; filename*=UTF-8''" + Encode(fileName);
    }

    // attr-char of RFC 8187 §3.2.1 stays; every other UTF-8 byte is percent-encoded.
    private static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length * 3);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "!#$&+-.^_`|~"u8.Contains(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 0xF]);
            }
        }

        return builder.ToString();
    }
}
