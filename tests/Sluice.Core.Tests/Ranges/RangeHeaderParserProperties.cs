using CsCheck;
using Sluice.Core.Oracles.Ranges;
using Sluice.Core.Ranges;

namespace Sluice.Core.Tests.Ranges;

// Checks the parser against a slow, obviously-correct reference that marks requested bytes in a
// bool[] and then applies the documented coalescing rules to that picture of the file.
public sealed class RangeHeaderParserProperties
{
    private const int Gap = 80;

    private enum SpecKind { Closed, Open, Suffix }

    private readonly record struct Spec(SpecKind Kind, int A, int B)
    {
        public override string ToString() => Kind switch
        {
            SpecKind.Closed => $"{A}-{A + B}",
            SpecKind.Open => $"{A}-",
            _ => $"-{A}",
        };

        // The requested bytes, clamped to the representation; empty if unsatisfiable.
        public (int Start, int End) Resolve(int length) => Kind switch
        {
            SpecKind.Closed => A < length ? (A, Math.Min(A + B + 1, length)) : (0, 0),
            SpecKind.Open => A < length ? (A, length) : (0, 0),
            _ => (Math.Max(length - A, 0), A == 0 ? Math.Max(length - A, 0) : length),
        };
    }

    private static readonly Gen<Spec> s_spec = Gen.Select(
        Gen.Enum<SpecKind>(), Gen.Int[0, 330], Gen.Int[0, 120], (kind, a, b) => new Spec(kind, a, b));

    // A few closed ranges on a grid of ten bytes: separate runs with gaps of exactly Gap bytes are common.
    private static readonly Gen<Spec> s_gridSpec = Gen.Select(
        Gen.Int[0, 30], Gen.Int[1, 6], (a, b) => new Spec(SpecKind.Closed, 10 * a, (10 * b) - 1));

    private static readonly Gen<string> s_ows = Gen.OneOfConst("", " ", "\t", "  ");

    private static readonly Gen<(int Length, Spec[] Specs, string[] Separators, int MaxParts)> s_case = Gen.Select(
        Gen.Int[0, 300], Gen.OneOf(s_spec.Array[1, 20], s_gridSpec.Array[2, 6]), s_ows.Array[40, 40], Gen.Int[1, 8]);

    private static string Header(Spec[] specs, string[] ows) =>
        "bytes=" + string.Concat(specs.Select((s, i) => (i == 0 ? "" : ows[2 * i] + "," + ows[(2 * i) + 1]) + s));

    [Fact]
    public void MatchesReference()
    {
        s_case.Sample(c =>
        {
            var (length, specs, ows, maxParts) = c;
            var ranges = new List<ByteRange>();
            RangeOutcome outcome = RangeHeaderParser.Parse(Header(specs, ows), length, ranges, new RangeLimits(MaxCoalescedParts: maxParts));

            // Reference: the satisfiable specs in client order, and the requested bytes.
            var requested = new bool[length];
            var satisfiable = new List<(int Start, int End)>();
            foreach (Spec spec in specs)
            {
                (int start, int end) = spec.Resolve(length);
                if (end > start)
                {
                    satisfiable.Add((start, end));
                    Array.Fill(requested, true, start, end - start);
                }
            }

            if (satisfiable.Count == 0)
            {
                bool emptyButSatisfiable = length == 0 && specs.Any(s => s.Kind == SpecKind.Suffix && s.A > 0);
                Assert.Equal(emptyButSatisfiable ? RangeOutcome.Ignored : RangeOutcome.Unsatisfiable, outcome);
                Assert.Empty(ranges);
                return;
            }

            Assert.Equal(RangeOutcome.Satisfiable, outcome);

            // Invariants that hold whatever the coalescing: inside the file, disjoint, never more than the file.
            Assert.All(ranges, r => Assert.True(r.Length >= 1 && r.Offset >= 0 && r.End <= length, $"{r} outside [0,{length})"));
            var covered = new bool[length];
            foreach (ByteRange r in ranges)
            {
                for (long i = r.Offset; i < r.End; i++)
                {
                    Assert.False(covered[i], $"byte {i} returned twice");
                    covered[i] = true;
                }
            }

            Assert.True(ranges.Sum(r => r.Length) <= length);
            for (int i = 0; i < length; i++)
            {
                Assert.True(!requested[i] || covered[i], $"requested byte {i} not returned");
            }

            // Clusters: runs of requested bytes, bridging unrequested gaps shorter than Gap.
            var clusters = new List<(int Start, int End)>();
            for (int i = 0; i < length; i++)
            {
                if (!requested[i])
                {
                    continue;
                }

                int end = i;
                while (end < length && requested[end])
                {
                    end++;
                }

                if (clusters.Count > 0 && i - clusters[^1].End < Gap)
                {
                    clusters[^1] = (clusters[^1].Start, end);
                }
                else
                {
                    clusters.Add((i, end));
                }

                i = end;
            }

            // No two satisfiable specs close to each other <=> the clusters are exactly the specs.
            bool anyClose = clusters.Count != satisfiable.Count;

            List<(int, int)> expected = clusters.Count > maxParts
                ? [(clusters[0].Start, clusters[^1].End)]
                : anyClose ? clusters : satisfiable;
            Assert.Equal(expected, ranges.Select(r => ((int)r.Offset, (int)r.End)).ToList());

            // The literal "each returned byte was requested" holds unless coalescing had to add gap bytes.
            if (!anyClose && clusters.Count <= maxParts)
            {
                for (int i = 0; i < length; i++)
                {
                    Assert.True(!covered[i] || requested[i], $"byte {i} returned but not requested");
                }
            }
        }, iter: 5000);
    }

    [Fact]
    public void ArbitraryTextAgreesWithTheReference()
    {
        // Text from the range-set alphabet against lengths from empty to long.MaxValue, where first-pos,
        // last-pos and suffix-length can overflow; the oracle computes with arbitrary precision.
        Gen<long> lengths = Gen.OneOf(Gen.Long[0, 400], Gen.Long[0, long.MaxValue], Gen.Long[long.MaxValue - 200, long.MaxValue]);
        Gen<string> text = Gen.OneOf(
            Gen.String[Gen.Char["bytes=-,0123456789 \tx"], 0, 60],
            Gen.Select(Gen.OneOfConst("bytes=", "BYTES=", " bytes=", "bytes ="), Gen.String[Gen.Char["-,0123456789 "], 0, 60], (u, s) => u + s),
            Gen.Select(Gen.OneOfConst("9223372036854775807", "9223372036854775806", "99999999999999999999", "0", "80", "00012"),
                Gen.OneOfConst("9223372036854775807", "9223372036854775808", "99999999999999999999", "", "1", "79"),
                (a, b) => $"bytes={a}-{b},-{b}"));
        Gen.Select(text, lengths, Gen.Int[1, 20], Gen.Int[1, 20]).Sample((header, length, maxRanges, maxParts) =>
        {
            var limits = new RangeLimits(maxRanges, maxParts);
            var ranges = new List<ByteRange>();
            RangeOutcome outcome = RangeHeaderParser.Parse(header, length, ranges, limits);
            (RangeOutcome expected, List<ByteRange> expectedRanges) = ReferenceRangeParser.Parse(header, length, limits);
            Assert.Equal(expected, outcome);
            Assert.Equal(expectedRanges, ranges);
        }, iter: 20000);
    }
}
