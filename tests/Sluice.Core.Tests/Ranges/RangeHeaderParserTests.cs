using System.Text;
using Sluice.Core.Ranges;

namespace Sluice.Core.Tests.Ranges;

public sealed class RangeHeaderParserTests
{
    private const long Length = 10_000;

    // Ranges are written as inclusive "first-last" pairs, as in Content-Range, in the returned order.
    private static (RangeOutcome Outcome, string Ranges) Parse(string header, long length = Length, RangeLimits? limits = null)
    {
        var ranges = new List<ByteRange>();
        RangeOutcome outcome = RangeHeaderParser.Parse(header, length, ranges, limits);
        return (outcome, string.Join(",", ranges.Select(r => $"{r.Offset}-{r.End - 1}")));
    }

    [Theory]
    // RFC 9110 §14.1.2 examples on a 10000-byte representation.
    [InlineData("bytes=0-499", "0-499")]
    [InlineData("bytes=500-999", "500-999")]
    [InlineData("bytes=-500", "9500-9999")]
    [InlineData("bytes=9500-", "9500-9999")]
    [InlineData("bytes=0-0,-1", "0-0,9999-9999")]
    [InlineData("bytes=500-600,601-999", "500-999")]
    [InlineData("bytes=500-700,601-999", "500-999")]
    // Clamping and open ends.
    [InlineData("bytes=-20000", "0-9999")]
    [InlineData("bytes=-10000", "0-9999")]
    [InlineData("bytes=0-", "0-9999")]
    [InlineData("bytes=9000-20000", "9000-9999")]
    [InlineData("bytes=9999-9999", "9999-9999")]
    [InlineData("bytes=0-9999", "0-9999")]
    // Unit is case-insensitive; OWS around the value and list elements is accepted; empty elements are skipped.
    [InlineData("BYTES=0-1", "0-1")]
    [InlineData("Bytes=0-1", "0-1")]
    [InlineData("  bytes=0-0 ,\t1000-1009 , -3 ", "0-0,1000-1009,9997-9999")]
    [InlineData("bytes=, ,0-1,,", "0-1")]
    [InlineData("bytes= 0-1", "0-1")]
    // Far-apart ranges keep the client's order.
    [InlineData("bytes=9000-9099,0-99", "9000-9099,0-99")]
    [InlineData("bytes=5000-5009,0-9,9000-9009", "5000-5009,0-9,9000-9009")]
    // Close ranges (gap < 80) are merged and sorted; a gap of exactly 80 is not.
    [InlineData("bytes=50-59,0-9", "0-59")]          // gap of 40 bytes
    [InlineData("bytes=89-99,0-9", "0-99")]          // gap of 79 bytes
    [InlineData("bytes=90-99,0-9", "90-99,0-9")]     // gap of 80 bytes
    [InlineData("bytes=5000-5009,0-9,5020-5029", "0-9,5000-5029")]
    [InlineData("bytes=100-109,0-9,10-19", "0-19,100-109")]   // once merging, a gap of 80 still separates
    [InlineData("bytes=99-109,0-9,10-19", "0-109")]
    // Unsatisfiable specs beside satisfiable ones are dropped (§14.1.2).
    [InlineData("bytes=20000-,0-9", "0-9")]
    [InlineData("bytes=-0,0-9", "0-9")]
    [InlineData("bytes=10000-10005,9999-", "9999-9999")]
    public void Satisfiable(string header, string expected)
    {
        (RangeOutcome outcome, string ranges) = Parse(header);
        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, ranges);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bytes")]
    [InlineData("bytes=")]
    [InlineData("bytes=,")]
    [InlineData("bytes= , ,")]
    [InlineData("=0-1")]
    [InlineData("bytes =0-1")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=1")]
    [InlineData("bytes=-")]
    [InlineData("bytes=--1")]
    [InlineData("bytes=-1-2")]
    [InlineData("bytes=1-2-3")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=1-+2")]
    [InlineData("bytes=-+2")]
    [InlineData("bytes=1 -2")]
    [InlineData("bytes=1- 2")]
    [InlineData("bytes=0x10-20")]
    [InlineData("bytes=1.5-2")]
    [InlineData("bytes=0-1;q=1")]
    [InlineData("bytes=0-1,x")]
    [InlineData("bytes=5-4")]           // last-pos < first-pos makes the whole header invalid (§14.1.1)
    [InlineData("bytes=0-9,5-4")]
    [InlineData("bytes=٣-٤")]           // non-ASCII digits are not DIGIT
    [InlineData("items=0-1")]           // unknown unit
    [InlineData("none=0-1")]
    [InlineData("bytesx=0-1")]
    public void Ignored(string header)
    {
        var ranges = new List<ByteRange> { new(1, 1) };
        Assert.Equal(RangeOutcome.Ignored, RangeHeaderParser.Parse(header, Length, ranges));
        Assert.Empty(ranges);
    }

    [Theory]
    [InlineData("bytes=10000-")]
    [InlineData("bytes=10000-20000")]
    [InlineData("bytes=20000-,30000-30010")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=-000")]
    [InlineData("bytes=9223372036854775807-")]
    public void Unsatisfiable(string header)
    {
        var ranges = new List<ByteRange> { new(1, 1) };
        Assert.Equal(RangeOutcome.Unsatisfiable, RangeHeaderParser.Parse(header, Length, ranges));
        Assert.Empty(ranges);
    }

    [Theory]
    [InlineData("bytes=0-0", RangeOutcome.Unsatisfiable)]
    [InlineData("bytes=0-", RangeOutcome.Unsatisfiable)]
    [InlineData("bytes=-0", RangeOutcome.Unsatisfiable)]
    // §14.1.1: a non-zero suffix is satisfiable on an empty representation, but selects no byte:
    // the (empty) full representation is served.
    [InlineData("bytes=-5", RangeOutcome.Ignored)]
    [InlineData("bytes=0-1,-5", RangeOutcome.Ignored)]
    [InlineData("items=0-1", RangeOutcome.Ignored)]
    public void ZeroLengthRepresentation(string header, RangeOutcome expected)
    {
        Assert.Equal((expected, ""), Parse(header, length: 0));
    }

    [Theory]
    [InlineData("bytes=99999999999999999999-", RangeOutcome.Unsatisfiable, "")]          // first-pos overflow
    [InlineData("bytes=99999999999999999999-999999999999999999999", RangeOutcome.Unsatisfiable, "")]
    [InlineData("bytes=9223372036854775808-9223372036854775808", RangeOutcome.Unsatisfiable, "")]
    [InlineData("bytes=0-99999999999999999999", RangeOutcome.Satisfiable, "0-9999")]     // last-pos overflow clamps
    [InlineData("bytes=9000-9223372036854775808", RangeOutcome.Satisfiable, "9000-9999")]
    [InlineData("bytes=-99999999999999999999", RangeOutcome.Satisfiable, "0-9999")]      // suffix overflow: everything
    [InlineData("bytes=0000000000000000000000000001-2", RangeOutcome.Satisfiable, "1-2")] // leading zeros are not overflow
    [InlineData("bytes=0-9,99999999999999999999-", RangeOutcome.Satisfiable, "0-9")]
    // An overflowing first-pos with a smaller last-pos is still an invalid int-range.
    [InlineData("bytes=99999999999999999999-5", RangeOutcome.Ignored, "")]
    [InlineData("bytes=999999999999999999999-99999999999999999999", RangeOutcome.Ignored, "")]
    public void OverflowingNumbers(string header, RangeOutcome expected, string expectedRanges)
    {
        Assert.Equal((expected, expectedRanges), Parse(header));
    }

    [Fact]
    public void ThousandTinyRangesAreIgnored()
    {
        string header = "bytes=" + string.Join(",", Enumerable.Range(0, 1000).Select(i => $"{i * 10}-{i * 10}"));
        Assert.Equal((RangeOutcome.Ignored, ""), Parse(header));
    }

    [Fact]
    public void MaxRangesIsTheLimitNotBelowIt()
    {
        // 64 far-apart specs are accepted (then merged into one because they exceed 16 parts); 65 are not.
        string Specs(int n) => "bytes=" + string.Join(",", Enumerable.Range(0, n).Select(i => $"{i * 150}-{i * 150}"));

        Assert.Equal((RangeOutcome.Satisfiable, $"0-{63 * 150}"), Parse(Specs(64)));
        Assert.Equal((RangeOutcome.Ignored, ""), Parse(Specs(65)));
        Assert.Equal((RangeOutcome.Ignored, ""), Parse("bytes=0-0,100-100,200-200", limits: new RangeLimits(MaxRanges: 2)));
    }

    [Fact]
    public void FiftyOverlappingRangesAreCoalesced()
    {
        string header = "bytes=" + string.Join(",", Enumerable.Range(0, 50).Select(i => $"{i * 10}-{(i * 10) + 99}"));
        Assert.Equal((RangeOutcome.Satisfiable, "0-589"), Parse(header));

        string sameRange = "bytes=" + string.Join(",", Enumerable.Repeat("0-", 50));
        Assert.Equal((RangeOutcome.Satisfiable, "0-9999"), Parse(sameRange));
    }

    [Fact]
    public void TooManyPartsAreMergedIntoOneSpanningRange()
    {
        string Specs(int n) => "bytes=" + string.Join(",", Enumerable.Range(0, n).Select(i => $"{i * 200}-{(i * 200) + 9}"));

        (RangeOutcome outcome, string ranges) = Parse(Specs(16));
        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(16, ranges.Split(',').Length);

        Assert.Equal((RangeOutcome.Satisfiable, $"0-{(16 * 200) + 9}"), Parse(Specs(17)));
        Assert.Equal((RangeOutcome.Satisfiable, "0-209"), Parse(Specs(2), limits: new RangeLimits(MaxCoalescedParts: 1)));
    }

    [Fact]
    public void ResponseNeverExceedsTheFile()
    {
        // Many overlapping whole-file requests: the classic amplification attack of RFC 9110 §14.6.
        string header = "bytes=" + string.Join(",", Enumerable.Repeat("0-9999", 64));
        var ranges = new List<ByteRange>();
        Assert.Equal(RangeOutcome.Satisfiable, RangeHeaderParser.Parse(header, Length, ranges));
        Assert.Equal(Length, ranges.Sum(r => r.Length));
    }

    [Fact]
    public void ListIsClearedBeforeFilling()
    {
        var ranges = new List<ByteRange> { new(5, 5), new(50, 5) };
        Assert.Equal(RangeOutcome.Satisfiable, RangeHeaderParser.Parse("bytes=0-0", Length, ranges));
        Assert.Equal([new ByteRange(0, 1)], ranges);
    }

    [Fact]
    public void ByteRangeEndIsExclusive()
    {
        Assert.Equal(15, new ByteRange(10, 5).End);
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeHeaderParser.Parse("bytes=0-1", -1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeHeaderParser.Parse("bytes=0-1", 10, [], new RangeLimits(MaxRanges: 0)));
        Assert.Throws<ArgumentNullException>(() => RangeHeaderParser.Parse("bytes=0-1", 10, null!));
    }

    [Fact]
    public void HugeHeaderOfEmptyElementsIsIgnoredQuickly()
    {
        var header = new StringBuilder("bytes=");
        header.Append(',', 1_000_000);
        Assert.Equal((RangeOutcome.Ignored, ""), Parse(header.ToString()));
    }
}
