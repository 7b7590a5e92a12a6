namespace Sluice.Core.Listing;

// The order people expect of file names: runs of ASCII digits compare as numbers ("file2" before
// "file10"), everything else case-insensitively; names equal under those rules ("File" and "file",
// "a01" and "a1") fall back to ordinal order, so the result is a total order and two listings of
// one directory never differ.
public sealed class NaturalNameComparer : IComparer<string>
{
    public static NaturalNameComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        int i = 0;
        int j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                ReadOnlySpan<char> a = DigitRun(x, ref i).TrimStart('0');
                ReadOnlySpan<char> b = DigitRun(y, ref j).TrimStart('0');
                if (a.Length != b.Length)
                {
                    return a.Length < b.Length ? -1 : 1; // no leading zeros left: longer is larger
                }

                int digits = a.SequenceCompareTo(b);
                if (digits != 0)
                {
                    return digits;
                }

                continue;
            }

            int folded = char.ToUpperInvariant(x[i]).CompareTo(char.ToUpperInvariant(y[j]));
            if (folded != 0)
            {
                return folded;
            }

            i++;
            j++;
        }

        if (i < x.Length || j < y.Length)
        {
            return i < x.Length ? 1 : -1;
        }

        return string.CompareOrdinal(x, y);
    }

    private static ReadOnlySpan<char> DigitRun(string text, ref int index)
    {
        int start = index;
        while (index < text.Length && char.IsAsciiDigit(text[index]))
        {
            index++;
        }

        return text.AsSpan(start, index - start);
    }
}
