namespace Sluice.Core.Ranges;

// A resolved, satisfiable range: [Offset, End) with Length >= 1, always inside the representation.
public readonly record struct ByteRange(long Offset, long Length)
{
    public long End => Offset + Length;
}
