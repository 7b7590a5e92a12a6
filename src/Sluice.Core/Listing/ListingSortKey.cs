namespace Sluice.Core.Listing;

public enum ListingSortKey
{
    Name,
    Size,
    Time,
}
