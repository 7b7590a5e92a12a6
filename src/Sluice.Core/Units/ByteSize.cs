using System.Globalization;

namespace Sluice.Core.Units;

// Sizes on the command line: "4096", "512K", "4MiB", "4m", "1GiB", "320MB". K/M/G/T are binary
// (1024-based) whether or not the "i" is written, as in nginx and dd's common usage; a size is a
// count of bytes, never a rate.
public static class ByteSize
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int digits = 0;
        while (digits < s.Length && (char.IsAsciiDigit(s[digits]) || s[digits] == '.'))
        {
            digits++;
        }

        if (digits == 0 || !double.TryParse(s[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            return false;
        }

        long multiplier = s[digits..].Trim().ToString().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => -1,
        };
        if (multiplier < 0 || value * multiplier > long.MaxValue)
        {
            return false;
        }

        bytes = (long)Math.Round(value * multiplier);
        return true;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20}MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10}KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
