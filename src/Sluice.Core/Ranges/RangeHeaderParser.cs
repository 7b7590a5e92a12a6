using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sluice.Core.Ranges;

// Parses and resolves a Range field value against a representation of known length (RFC 9110 §14.1–§14.2).
//
// Three decisions shape the result:
//  - Anything we cannot fully understand makes the whole header Ignored: the client then gets the
//    whole representation with 200, which is always a correct answer to a GET (RFC 9110 §14.2).
//  - Satisfiability is judged per range-spec; unsatisfiable specs beside satisfiable ones are dropped
//    (RFC 9110 §14.1.2), and only a set with none left is Unsatisfiable (416).
//  - The resolved set is coalesced so that a response is never much bigger than the file: RFC 9110
//    §14.6 lets a server merge overlapping or nearby ranges and bound the number of parts.
public static class RangeHeaderParser
{
    // A multipart part costs a boundary line plus Content-Type and Content-Range headers, roughly 80
    // bytes: a gap shorter than that is cheaper to send than to skip with a new part.
    internal const long CoalesceGap = 80;

    private static readonly Comparison<ByteRange> s_byOffset = static (a, b) => a.Offset.CompareTo(b.Offset);

    public static RangeOutcome Parse(ReadOnlySpan<char> rangeHeader, long length, List<ByteRange> ranges, RangeLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        limits ??= RangeLimits.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxRanges, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxCoalescedParts, 1, nameof(limits));

        ranges.Clear();
        RangeOutcome outcome = ParseSet(rangeHeader, length, ranges, limits.MaxRanges);
        if (outcome != RangeOutcome.Satisfiable)
        {
            ranges.Clear();
            return outcome;
        }

        Coalesce(ranges, length, limits.MaxCoalescedParts);
        return RangeOutcome.Satisfiable;
    }

    private static RangeOutcome ParseSet(ReadOnlySpan<char> rangeHeader, long length, List<ByteRange> ranges, int maxRanges)
    {
        // ranges-specifier = range-unit "=" range-set (RFC 9110 §14.1.1). Range units are
        // case-insensitive (§14.1); an unknown unit means the header is ignored (§14.2).
        ReadOnlySpan<char> value = rangeHeader.Trim(" \t");
        int equals = value.IndexOf('=');
        if (equals <= 0 || !value[..equals].Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return RangeOutcome.Ignored;
        }

        ReadOnlySpan<char> set = value[(equals + 1)..];
        int specCount = 0;
        bool emptyButSatisfiable = false;

        // range-set = 1#range-spec: recipients accept empty list elements and OWS around commas (§5.6.1.2).
        foreach (Range part in set.Split(','))
        {
            ReadOnlySpan<char> spec = set[part].Trim(" \t");
            if (spec.IsEmpty)
            {
                continue;
            }

            if (++specCount > maxRanges)
            {
                return RangeOutcome.Ignored;
            }

            int dash = spec.IndexOf('-');
            if (dash < 0)
            {
                return RangeOutcome.Ignored;
            }

            ReadOnlySpan<char> first = spec[..dash];
            ReadOnlySpan<char> last = spec[(dash + 1)..];

            if (first.IsEmpty)
            {
                // suffix-range = "-" suffix-length: the last N bytes; a suffix longer than the
                // representation selects all of it (§14.1.2), so an overflowing N is simply "all".
                if (!TryParsePosition(last, out long suffixLength, out bool suffixOverflow))
                {
                    return RangeOutcome.Ignored;
                }

                if (suffixOverflow)
                {
                    suffixLength = long.MaxValue;
                }

                if (suffixLength == 0)
                {
                    continue; // "-0" selects nothing: unsatisfiable (§14.1.1).
                }

                if (length == 0)
                {
                    // §14.1.1: for a zero-length representation a non-zero suffix-range is the only
                    // satisfiable form, yet it selects no byte and no Content-Range can describe it.
                    emptyButSatisfiable = true;
                    continue;
                }

                long offset = suffixLength >= length ? 0 : length - suffixLength;
                ranges.Add(new ByteRange(offset, length - offset));
                continue;
            }

            // int-range = first-pos "-" [ last-pos ]
            if (!TryParsePosition(first, out long firstPos, out bool firstOverflow))
            {
                return RangeOutcome.Ignored;
            }

            bool hasLast = !last.IsEmpty;
            long lastPos = long.MaxValue;
            if (hasLast)
            {
                if (!TryParsePosition(last, out lastPos, out bool lastOverflow))
                {
                    return RangeOutcome.Ignored;
                }

                // §14.1.1: an int-range whose last-pos is less than its first-pos is invalid, which
                // invalidates the whole ranges-specifier. Overflowed values are compared as digits.
                bool invalid = firstOverflow || lastOverflow
                    ? CompareDecimal(last, first) < 0
                    : lastPos < firstPos;
                if (invalid)
                {
                    return RangeOutcome.Ignored;
                }

                if (lastOverflow)
                {
                    lastPos = long.MaxValue; // clamped to the representation below anyway
                }
            }

            // A first-pos at or beyond the length does not overlap the representation (§14.1.1);
            // an overflowing first-pos is certainly beyond it.
            if (firstOverflow || firstPos >= length)
            {
                continue;
            }

            long end = Math.Min(lastPos, length - 1);
            ranges.Add(new ByteRange(firstPos, end - firstPos + 1));
        }

        if (specCount == 0)
        {
            return RangeOutcome.Ignored; // "bytes=" or "bytes=, ,": 1#range-spec needs one element
        }

        if (ranges.Count > 0)
        {
            return RangeOutcome.Satisfiable;
        }

        // A zero-length file asked for with "-N" gets its (empty) full representation with 200.
        return emptyButSatisfiable ? RangeOutcome.Ignored : RangeOutcome.Unsatisfiable;
    }

    // first-pos, last-pos and suffix-length are 1*DIGIT: no sign, no whitespace (§14.1.1).
    private static bool TryParsePosition(ReadOnlySpan<char> digits, out long value, out bool overflow)
    {
        value = 0;
        overflow = false;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (char c in digits)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9)
            {
                return false;
            }

            if (overflow)
            {
                continue; // keep validating the syntax
            }

            if (value > (long.MaxValue - digit) / 10)
            {
                overflow = true;
                continue;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    // Compares two validated digit strings by numeric value, whatever their magnitude.
    private static int CompareDecimal(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
    }

    private static void Coalesce(List<ByteRange> ranges, long length, int maxParts)
    {
        Span<ByteRange> span = CollectionsMarshal.AsSpan(ranges);
        if (span.Length > 1 && AnyClose(span))
        {
            // Merging changes the order the client asked for; §14.6 allows that once we coalesce.
            span.Sort(s_byOffset);
            int count = 0;
            ByteRange current = span[0];
            for (int i = 1; i < span.Length; i++)
            {
                ByteRange next = span[i];
                if (next.Offset - current.End < CoalesceGap)
                {
                    long end = Math.Max(current.End, next.End);
                    current = new ByteRange(current.Offset, end - current.Offset);
                }
                else
                {
                    span[count++] = current;
                    current = next;
                }
            }

            span[count++] = current;
            ranges.RemoveRange(count, ranges.Count - count);
            span = CollectionsMarshal.AsSpan(ranges);
        }

        long minOffset = long.MaxValue;
        long maxEnd = 0;
        long remaining = length;
        bool exceedsLength = false;
        foreach (ByteRange range in span)
        {
            minOffset = Math.Min(minOffset, range.Offset);
            maxEnd = Math.Max(maxEnd, range.End);
            exceedsLength |= range.Length > remaining;
            remaining -= range.Length;
        }

        // After merging the ranges are disjoint, so the sum cannot exceed the length; the check
        // stays as a second line of defence for the "never bigger than the file" guarantee.
        if (span.Length > maxParts || exceedsLength)
        {
            ranges.Clear();
            ranges.Add(new ByteRange(minOffset, maxEnd - minOffset));
        }

        Debug.Assert(ranges.Count >= 1 && ranges.TrueForAll(r => r.Length >= 1 && r.Offset >= 0 && r.End <= length));
    }

    // True if any two ranges overlap, touch or are separated by less than CoalesceGap bytes.
    private static bool AnyClose(ReadOnlySpan<ByteRange> ranges)
    {
        ByteRange[] sorted = ArrayPool<ByteRange>.Shared.Rent(ranges.Length);
        try
        {
            Span<ByteRange> copy = sorted.AsSpan(0, ranges.Length);
            ranges.CopyTo(copy);
            copy.Sort(s_byOffset);
            for (int i = 1; i < copy.Length; i++)
            {
                // Sorted by offset, a close pair must include a neighbour whose start is close to the
                // previous end (the earlier ranges do not reach further since no pair was close yet).
                if (copy[i].Offset - copy[i - 1].End < CoalesceGap)
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            ArrayPool<ByteRange>.Shared.Return(sorted);
        }
    }
}
