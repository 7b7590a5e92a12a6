using System.Text;

namespace Sluice.Server.Logging;

// Escapes a client-controlled value for a log field the way nginx does (ngx_escape_html's
// NGX_ESCAPE_LOG): '"', '\' and every byte outside printable ASCII become \xHH, so a request
// target can neither close the quoted field nor start a new line and forge another entry.
//
// The values that come from the wire (target, Referer, User-Agent) are the request's bytes held
// one byte per char (Latin-1, as the parser keeps them), so a byte is escaped as itself: the
// UTF-8 "é" a client sent is logged \xC3\xA9 as nginx logs it, not re-encoded to \xC3\x83\xC2\xA9.
// JSON (Json) follows nginx's escape=json instead: the bytes as text (JSON's own escaping covers
// '"', '\' and controls), where they are valid UTF-8; a byte that is not is written as the four
// characters \xHH, the text formats' notation, so the line stays valid JSON and the byte readable.
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

            if (rune.Value <= 0xFF)
            {
                AppendByte(b, (byte)rune.Value); // a wire byte (Latin-1 char): escaped as itself
                continue;
            }

            // Not from the wire (a char no byte maps to): its UTF-8 bytes.
            int length = rune.EncodeToUtf8(utf8);
            for (int i = 0; i < length; i++)
            {
                AppendByte(b, utf8[i]);
            }
        }

        return b.ToString();
    }

    // For JSON: a wire value's bytes as UTF-8 text, invalid bytes as \xHH (see the note above).
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    public static string? Json(string? value)
    {
        if (value is null || !HasHighByte(value, out bool wire) || !wire)
        {
            return value; // ASCII as it is; a string with chars past 0xFF did not come from the wire
        }

        byte[] bytes = Encoding.Latin1.GetBytes(value);
        var b = new StringBuilder(value.Length);
        ReadOnlySpan<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                b.Append(rune.ToString());
                rest = rest[consumed..];
            }
            else
            {
                AppendByte(b, rest[0]);
                rest = rest[1..];
            }
        }

        return b.ToString();
    }

    private static void AppendByte(StringBuilder b, byte value) =>
        b.Append("\\x").Append(value.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));

    private static bool HasHighByte(string value, out bool wire)
    {
        bool high = false;
        wire = true;
        foreach (char c in value)
        {
            high |= c >= (char)0x80;
            wire &= c <= (char)0xFF;
        }

        return high;
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
