using System.Text;

namespace Sluice.Core.Archive;

// One pax extended-header record, "LEN key=value\n" (POSIX.1-2001 pax, "pax Extended Header"),
// where LEN counts the whole record in decimal, its own digits included.
public static class PaxRecord
{
    public static int Length(int keyBytes, int valueBytes)
    {
        // " key=value\n" plus LEN's digits; adding the digits may add a digit (e.g. 98 → 101).
        int rest = 1 + keyBytes + 1 + valueBytes + 1;
        int length = rest + 1;
        while (Digits(length) + rest != length)
        {
            length = Digits(length) + rest;
        }

        return length;
    }

    // Writes the record into destination (at least Length bytes); returns its length.
    public static int Write(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int length = Length(key.Length, value.Length);
        int at = Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture), destination);
        destination[at++] = (byte)' ';
        key.CopyTo(destination[at..]);
        at += key.Length;
        destination[at++] = (byte)'=';
        value.CopyTo(destination[at..]);
        at += value.Length;
        destination[at++] = (byte)'\n';
        return at;
    }

    public static int WriteDecimal(ReadOnlySpan<byte> key, long value, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[20];
        int n = Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture), digits);
        return Write(key, digits[..n], destination);
    }

    private static int Digits(int value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
