namespace Sluice.Server.Planning;

// Measures the share of a range's pages in the page cache; null when it cannot be measured. A
// seam so the planner's choices are tested without a file.
public interface IResidencyProbe
{
    double? Measure(long offset, long length);
}
