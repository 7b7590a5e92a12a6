using System.Text;
using Sluice.Core.Oracles.Ranges;
using Sluice.Core.Ranges;

namespace Sluice.Fuzz;

// Input layout, so that AFL mutates the limits and the representation length along with the text:
//   byte 0     high nibble: MaxRanges = 1 + 5 * n (1..76); low nibble: MaxCoalescedParts = 1 + n (1..16)
//   bytes 1-2  big-endian length: below 0xFF00 the value itself, else one of the edge lengths below
//   the rest   the Range field value, Latin-1 decoded as HttpRequestHead decodes it
// RangeHeaderParser must give ReferenceRangeParser's outcome and exactly its ranges, in order.
internal sealed class RangeHeaderTarget : FuzzTarget
{
    private const int PrefixLength = 3;

    // Near long.MaxValue the parser's long arithmetic (first-pos + length, end + 1) could overflow.
    private static readonly long[] s_edgeLengths =
    [
        long.MaxValue, long.MaxValue - 1, long.MaxValue - 79, long.MaxValue - 80, long.MaxValue - 81,
        long.MaxValue / 2, 1L << 32, (1L << 32) + 1, int.MaxValue, (long)int.MaxValue + 1,
        999_999_999_999_999_999, 1_000_000_000_000_000_000, 9_223_372_036_854_775_000,
    ];

    private readonly List<ByteRange> _ranges = [];

    public override string Name => "range";

    public override void Check(byte[] input)
    {
        if (input.Length < PrefixLength)
        {
            return;
        }

        var limits = new RangeLimits(MaxRanges: 1 + (5 * (input[0] >> 4)), MaxCoalescedParts: 1 + (input[0] & 0xF));
        int encodedLength = (input[1] << 8) | input[2];
        long length = encodedLength < 0xFF00 ? encodedLength : s_edgeLengths[(encodedLength & 0xFF) % s_edgeLengths.Length];
        string header = Encoding.Latin1.GetString(input, PrefixLength, input.Length - PrefixLength);

        RangeOutcome outcome = RangeHeaderParser.Parse(header, length, _ranges, limits);
        (RangeOutcome expected, List<ByteRange> expectedRanges) = ReferenceRangeParser.Parse(header, length, limits);

        Agree(expected, outcome, $"outcome (length {length}, {limits})", input);
        AgreeSequence(expectedRanges, _ranges, $"ranges (length {length}, {limits})", input);
    }
}
