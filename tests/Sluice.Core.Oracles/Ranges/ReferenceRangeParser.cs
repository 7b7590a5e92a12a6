using System.Numerics;
using System.Text;
using Sluice.Core.Ranges;

namespace Sluice.Core.Oracles.Ranges;

// RFC 9110 §14.1–§14.2 read literally, for comparison with RangeHeaderParser: numbers are
// arbitrary-precision (no overflow to reason about), coalescing merges any two close ranges until
// none are left (quadratic, no sorting tricks). Slow and obviously correct; shares no code with it.
public static class ReferenceRangeParser
{
    // RangeHeaderParser's documented rule: ranges that overlap, touch or lie less than this many
    // bytes apart are merged into one part.
    public const int CoalesceGap = 80;

    private static readonly (RangeOutcome, List<ByteRange>) s_ignored = (RangeOutcome.Ignored, []);

    public static (RangeOutcome Outcome, List<ByteRange> Ranges) Parse(string header, long length, RangeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);

        // ranges-specifier = range-unit "=" range-set; the unit is ASCII case-insensitive.
        string value = TrimOws(header);
        int equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0 || !Ascii.EqualsIgnoreCase(value.AsSpan(0, equals), "bytes"))
        {
            return s_ignored;
        }

        // range-set = 1#range-spec, with empty list elements and OWS allowed around commas.
        string[] specs = [.. value[(equals + 1)..].Split(',').Select(TrimOws).Where(s => s.Length > 0)];
        if (specs.Length == 0 || specs.Length > limits.MaxRanges)
        {
            return s_ignored;
        }

        var requested = new List<(BigInteger Start, BigInteger End)>(); // [Start, End), in the client's order
        bool emptyButSatisfiable = false;
        foreach (string spec in specs)
        {
            int dash = spec.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                return s_ignored;
            }

            string first = spec[..dash];
            string last = spec[(dash + 1)..];
            if (first.Length == 0)
            {
                // suffix-range = "-" suffix-length: the last N bytes.
                if (!IsDigits(last))
                {
                    return s_ignored;
                }

                BigInteger count = BigInteger.Parse(last);
                if (count == 0)
                {
                    continue; // selects nothing
                }

                if (length == 0)
                {
                    emptyButSatisfiable = true; // satisfiable, but there is no byte to send
                    continue;
                }

                requested.Add((BigInteger.Max(length - count, 0), length));
                continue;
            }

            // int-range = first-pos "-" [ last-pos ]; last-pos < first-pos invalidates the header.
            if (!IsDigits(first) || (last.Length > 0 && !IsDigits(last)))
            {
                return s_ignored;
            }

            BigInteger from = BigInteger.Parse(first);
            if (last.Length > 0 && BigInteger.Parse(last) < from)
            {
                return s_ignored;
            }

            if (from >= length)
            {
                continue; // does not overlap the representation
            }

            BigInteger end = last.Length > 0 ? BigInteger.Min(BigInteger.Parse(last) + 1, length) : length;
            requested.Add((from, end));
        }

        if (requested.Count == 0)
        {
            return (emptyButSatisfiable ? RangeOutcome.Ignored : RangeOutcome.Unsatisfiable, []);
        }

        List<(BigInteger Start, BigInteger End)> parts = AnyClose(requested) ? MergeClose(requested) : requested;
        if (parts.Count > limits.MaxCoalescedParts)
        {
            parts = [(parts.Min(p => p.Start), parts.Max(p => p.End))];
        }

        return (RangeOutcome.Satisfiable, [.. parts.Select(p => new ByteRange((long)p.Start, (long)(p.End - p.Start)))]);
    }

    // Negative when the two overlap, zero when they touch.
    private static BigInteger Distance((BigInteger Start, BigInteger End) a, (BigInteger Start, BigInteger End) b) =>
        BigInteger.Max(a.Start, b.Start) - BigInteger.Min(a.End, b.End);

    private static bool AnyClose(List<(BigInteger Start, BigInteger End)> ranges)
    {
        for (int i = 0; i < ranges.Count; i++)
        {
            for (int j = i + 1; j < ranges.Count; j++)
            {
                if (Distance(ranges[i], ranges[j]) < CoalesceGap)
                {
                    return true;
                }
            }
        }

        return false;
    }

    // Replaces any two close ranges by their hull until no two are close, then orders by offset.
    private static List<(BigInteger Start, BigInteger End)> MergeClose(List<(BigInteger Start, BigInteger End)> ranges)
    {
        var parts = new List<(BigInteger Start, BigInteger End)>(ranges);
        bool merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < parts.Count && !merged; i++)
            {
                for (int j = i + 1; j < parts.Count && !merged; j++)
                {
                    if (Distance(parts[i], parts[j]) < CoalesceGap)
                    {
                        parts[i] = (BigInteger.Min(parts[i].Start, parts[j].Start), BigInteger.Max(parts[i].End, parts[j].End));
                        parts.RemoveAt(j);
                        merged = true;
                    }
                }
            }
        }

        return [.. parts.OrderBy(p => p.Start)];
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static string TrimOws(string s) => s.Trim(' ', '\t');
}
