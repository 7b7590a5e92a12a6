namespace Sluice.Interop.Pal;

// How much of a file range sits in the page cache, in pages.
public readonly record struct Residency(long ResidentPages, long TotalPages, ResidencySource Source)
{
    public double Fraction => TotalPages == 0 ? 1.0 : (double)ResidentPages / TotalPages;
}

public enum ResidencySource : byte
{
    Cachestat,
    Mincore,
}
