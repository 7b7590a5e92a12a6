namespace Sluice.Core.Dates;

// HTTP-date (RFC 9110 §5.6.7): we send only IMF-fixdate and accept the two obsolete forms too,
// as the RFC requires of recipients. The grammar is case-sensitive and always GMT.
public static class HttpDate
{
    public const int FixdateLength = 29;

    // Indexed by DayOfWeek (Sunday = 0) and by month - 1, three letters each.
    private static ReadOnlySpan<byte> DayNames => "SunMonTueWedThuFriSat"u8;
    private static ReadOnlySpan<byte> MonthNames => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    private static readonly string[] s_longDayNames =
        ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    public static bool TryParse(ReadOnlySpan<char> s, out DateTimeOffset value) =>
        TryParse(s, DateTimeOffset.UtcNow.Year, out value);

    // currentYear resolves the two-digit year of rfc850-date; a parameter so tests need no clock.
    internal static bool TryParse(ReadOnlySpan<char> s, int currentYear, out DateTimeOffset value)
    {
        value = default;
        s = s.Trim(" \t");

        // The day name comes first in every form; what follows it tells the forms apart:
        // "Sun, 06 Nov 1994 08:49:37 GMT" / "Sunday, 06-Nov-94 08:49:37 GMT" / "Sun Nov  6 08:49:37 1994".
        int comma = s.IndexOf(',');
        if (comma == 3)
        {
            return IsDayName(s[..3]) && TryParseImfFixdate(s, out value);
        }

        if (comma > 3)
        {
            return IsLongDayName(s[..comma]) && TryParseRfc850(s[(comma + 1)..], currentYear, out value);
        }

        return TryParseAsctime(s, out value);
    }

    // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT; date1 = 2DIGIT SP month SP 4DIGIT
    private static bool TryParseImfFixdate(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        return s.Length == FixdateLength
            && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' '
            && s[25..] is " GMT"
            && TryDigits(s.Slice(5, 2), out int day)
            && TryMonth(s.Slice(8, 3), out int month)
            && TryDigits(s.Slice(12, 4), out int year)
            && TryBuild(year, month, day, s.Slice(17, 8), out value);
    }

    // rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = 2DIGIT "-" month "-" 2DIGIT
    // (`s` starts after the comma: " 06-Nov-94 08:49:37 GMT").
    private static bool TryParseRfc850(ReadOnlySpan<char> s, int currentYear, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 23 || s[0] != ' ' || s[3] != '-' || s[7] != '-' || s[10] != ' ' || s[19..] is not " GMT"
            || !TryDigits(s.Slice(1, 2), out int day)
            || !TryMonth(s.Slice(4, 3), out int month)
            || !TryDigits(s.Slice(8, 2), out int twoDigitYear))
        {
            return false;
        }

        // §5.6.7: a two-digit year that appears to be more than 50 years in the future means the
        // most recent past year with the same last two digits.
        int year = (currentYear / 100 * 100) + twoDigitYear;
        if (year > currentYear + 50)
        {
            year -= 100;
        }
        else if (year <= currentYear - 50)
        {
            year += 100;
        }

        return TryBuild(year, month, day, s.Slice(11, 8), out value);
    }

    // asctime-date = day-name SP date3 SP time-of-day SP year; date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
    private static bool TryParseAsctime(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' '
            || !IsDayName(s[..3])
            || !TryMonth(s.Slice(4, 3), out int month)
            || !TryDigits(s.Slice(20, 4), out int year))
        {
            return false;
        }

        int day;
        if (s[8] == ' ')
        {
            if (!TryDigits(s.Slice(9, 1), out day))
            {
                return false;
            }
        }
        else if (!TryDigits(s.Slice(8, 2), out day))
        {
            return false;
        }

        return TryBuild(year, month, day, s.Slice(11, 8), out value);
    }

    // time-of-day = hour ":" minute ":" second
    private static bool TryBuild(int year, int month, int day, ReadOnlySpan<char> time, out DateTimeOffset value)
    {
        value = default;
        if (time[2] != ':' || time[5] != ':'
            || !TryDigits(time[..2], out int hour)
            || !TryDigits(time.Slice(3, 2), out int minute)
            || !TryDigits(time.Slice(6, 2), out int second)
            || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        // The grammar allows second 60 for a leap second, which DateTimeOffset cannot hold.
        value = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (char c in s)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return !s.IsEmpty;
    }

    private static bool TryMonth(ReadOnlySpan<char> s, out int month)
    {
        month = IndexOfName(MonthNames, s) + 1;
        return month > 0;
    }

    private static bool IsDayName(ReadOnlySpan<char> s) => IndexOfName(DayNames, s) >= 0;

    private static bool IsLongDayName(ReadOnlySpan<char> s)
    {
        // The day name is checked for syntax only; like most recipients we do not insist that it
        // agrees with the date.
        foreach (string name in s_longDayNames)
        {
            if (s.SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOfName(ReadOnlySpan<byte> names, ReadOnlySpan<char> s)
    {
        if (s.Length != 3)
        {
            return -1;
        }

        for (int i = 0; i < names.Length; i += 3)
        {
            if (s[0] == names[i] && s[1] == names[i + 1] && s[2] == names[i + 2])
            {
                return i / 3;
            }
        }

        return -1;
    }

    // Writes the 29-byte IMF-fixdate; used on every response, hence no allocation.
    public static int Format(DateTimeOffset value, Span<byte> destination)
    {
        if (destination.Length < FixdateLength)
        {
            throw new ArgumentException($"An HTTP-date needs {FixdateLength} bytes.", nameof(destination));
        }

        DateTime utc = value.UtcDateTime;
        DayNames.Slice((int)utc.DayOfWeek * 3, 3).CopyTo(destination);
        destination[3] = (byte)',';
        destination[4] = (byte)' ';
        WriteTwoDigits(utc.Day, destination[5..]);
        destination[7] = (byte)' ';
        MonthNames.Slice((utc.Month - 1) * 3, 3).CopyTo(destination[8..]);
        destination[11] = (byte)' ';
        WriteTwoDigits(utc.Year / 100, destination[12..]);
        WriteTwoDigits(utc.Year % 100, destination[14..]);
        destination[16] = (byte)' ';
        WriteTwoDigits(utc.Hour, destination[17..]);
        destination[19] = (byte)':';
        WriteTwoDigits(utc.Minute, destination[20..]);
        destination[22] = (byte)':';
        WriteTwoDigits(utc.Second, destination[23..]);
        " GMT"u8.CopyTo(destination[25..]);
        return FixdateLength;
    }

    public static string Format(DateTimeOffset value) =>
        string.Create(FixdateLength, value, static (chars, v) =>
        {
            Span<byte> bytes = stackalloc byte[FixdateLength];
            Format(v, bytes);
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = (char)bytes[i];
            }
        });

    private static void WriteTwoDigits(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }
}
