namespace Sluice.Core.Content;

// The codings to try for one request, best first: at most three, held inline so that the list
// crosses an await without an allocation. Empty means identity.
public readonly struct PreferredCodings
{
    private readonly ContentCoding _first;
    private readonly ContentCoding _second;
    private readonly ContentCoding _third;

    private PreferredCodings(int count, ContentCoding first, ContentCoding second, ContentCoding third)
    {
        Count = count;
        _first = first;
        _second = second;
        _third = third;
    }

    public int Count { get; }

    public ContentCoding this[int index] => (uint)index < (uint)Count
        ? index switch { 0 => _first, 1 => _second, _ => _third }
        : throw new ArgumentOutOfRangeException(nameof(index));

    internal static PreferredCodings Of(ReadOnlySpan<ContentCoding> codings) => codings.Length switch
    {
        0 => default,
        1 => new(1, codings[0], default, default),
        2 => new(2, codings[0], codings[1], default),
        _ => new(3, codings[0], codings[1], codings[2]),
    };

    // The codings from `start` on (those before it were tried already).
    public PreferredCodings Skip(int start)
    {
        Span<ContentCoding> rest = stackalloc ContentCoding[3];
        int n = 0;
        for (int i = start; i < Count; i++)
        {
            rest[n++] = this[i];
        }

        return Of(rest[..n]);
    }
}
