using System.Buffers;
using System.Text;

namespace Sluice.Core.Paths;

// Linux file names are bytes, .NET names are UTF-16: this is the one lossless mapping between them
// (Python's "surrogateescape", PEP 383). Valid UTF-8 decodes as usual; every byte that is not part of
// a valid UTF-8 sequence (always 0x80..0xFF: ASCII is always valid) becomes the lone low surrogate
// U+DC80 + (byte - 0x80), and encoding turns such a lone surrogate back into that byte.
//
// Invariants the path code relies on:
// - GetBytes(GetString(bytes)) == bytes for every byte sequence, so a name read from the disk or a
//   decoded request path reaches the kernel byte for byte.
// - ASCII bytes ('.', '/', '\\', NUL) only ever come from ASCII chars and vice versa: an escape is
//   never in the ASCII range, so an overlong C0 AE stays two name bytes and can never become '.'.
// - Valid UTF-8 never decodes to a lone surrogate, so a lone U+DC80..U+DCFF in a name can only have
//   come from this mapping. Other lone surrogates (never produced by GetString) encode as U+FFFD,
//   as any UTF-8 encoder does.
public static class FileNameEncoding
{
    private const char EscapeBase = '\uDC80';

    public static bool IsEscape(char c) => c is >= '\uDC80' and <= '\uDCFF';

    // Upper bound of the chars GetString makes from byteCount bytes (one char per byte at most).
    public static int GetMaxCharCount(int byteCount) => byteCount;

    // Upper bound of the bytes GetBytes makes from charCount chars (three per UTF-16 unit at most).
    public static int GetMaxByteCount(int charCount) => checked(charCount * 3);

    public static string GetString(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        char[]? rented = null;
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            return new string(chars[..GetChars(bytes, chars)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // Decodes into destination, which must hold GetMaxCharCount(bytes.Length) chars; returns the count.
    public static int GetChars(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, bytes.Length, nameof(destination));
        int written = 0;
        while (!bytes.IsEmpty)
        {
            // Rune reports the maximal invalid subpart (Unicode §3.9 U+FFFD substitution practice);
            // each of its bytes is escaped on its own, since none of them can start a valid sequence
            // after the first (they are continuation bytes).
            if (Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed) == OperationStatus.Done)
            {
                written += rune.EncodeToUtf16(destination[written..]);
            }
            else
            {
                for (int i = 0; i < consumed; i++)
                {
                    destination[written++] = (char)(EscapeBase + (bytes[i] - 0x80));
                }
            }

            bytes = bytes[consumed..];
        }

        return written;
    }

    public static int GetByteCount(ReadOnlySpan<char> chars)
    {
        int count = 0;
        while (!chars.IsEmpty)
        {
            count += Next(chars, out int consumed, out _, out Rune rune) ? 1 : rune.Utf8SequenceLength;
            chars = chars[consumed..];
        }

        return count;
    }

    public static byte[] GetBytes(ReadOnlySpan<char> chars)
    {
        byte[] bytes = new byte[GetByteCount(chars)];
        GetBytes(chars, bytes);
        return bytes;
    }

    // Encodes into destination, which must hold GetByteCount(chars) bytes; returns the count.
    public static int GetBytes(ReadOnlySpan<char> chars, Span<byte> destination)
    {
        int written = 0;
        while (!chars.IsEmpty)
        {
            if (Next(chars, out int consumed, out byte escaped, out Rune rune))
            {
                destination[written++] = escaped;
            }
            else
            {
                written += rune.EncodeToUtf8(destination[written..]);
            }

            chars = chars[consumed..];
        }

        return written;
    }

    // One scalar or escape from the front of chars; true with the raw byte for an escape.
    private static bool Next(ReadOnlySpan<char> chars, out int consumed, out byte escaped, out Rune rune)
    {
        escaped = 0;
        if (IsEscape(chars[0]))
        {
            consumed = 1;
            rune = default;
            escaped = (byte)(chars[0] - EscapeBase + 0x80);
            return true;
        }

        if (Rune.DecodeFromUtf16(chars, out rune, out consumed) != OperationStatus.Done)
        {
            rune = Rune.ReplacementChar;
        }

        return false;
    }
}
