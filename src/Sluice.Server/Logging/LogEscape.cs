using System.Text;

namespace Sluice.Server.Logging;

// Escapes a client-controlled value for a log field the way nginx does (ngx_escape_html's
// NGX_ESCAPE_LOG): '"', '\' and every byte outside printable ASCII become \xHH, so a request
// target can neither close the quoted field nor start a new line and forge another entry.
public static class LogEscape
{
    public static string Field(string value)
    {
        if (!NeedsEscape(value))
        {
            return value;
        }

        var b = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune rune in value.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and < 0x7f && rune.Value != '"' && rune.Value != '\\')
            {
                b.Append((char)rune.Value);
                continue;
            }

            int length = rune.EncodeToUtf8(utf8);
            for (int i = 0; i < length; i++)
            {
                b.Append("\\x").Append(utf8[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return b.ToString();
    }

    private static bool NeedsEscape(string value)
    {
        foreach (char c in value)
        {
            if (c is < (char)0x20 or >= (char)0x7f or '"' or '\\')
            {
                return true;
            }
        }

        return false;
    }
}
