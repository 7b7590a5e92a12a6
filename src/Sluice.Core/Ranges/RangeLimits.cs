namespace Sluice.Core.Ranges;

// MaxRanges bounds the parsing work a client can ask for; MaxCoalescedParts bounds the multipart
// overhead of one response (RFC 9110 §14.6 warns of many small or overlapping ranges as an attack).
public sealed record RangeLimits(int MaxRanges = 64, int MaxCoalescedParts = 16)
{
    internal static RangeLimits Default { get; } = new();
}
