using Sluice.Cli.Bench;

namespace Sluice.Cli.Tests;

public sealed class SpreadTests
{
    [Fact]
    public void OddCountTakesTheMiddleValueAndTheExtremes()
    {
        Spread spread = Spread.Of([30, 10, 20]);

        Assert.Equal(new Spread(20, 10, 30, 3), spread);
    }

    [Fact]
    public void EvenCountAveragesTheTwoMiddleValues()
    {
        Spread spread = Spread.Of([4, 1, 3, 2]);

        Assert.Equal(new Spread(2.5, 1, 4, 4), spread);
    }

    [Fact]
    public void NaNIsLeftOutAndNothingLeftIsEmpty()
    {
        Assert.Equal(new Spread(5, 5, 5, 1), Spread.Of([double.NaN, 5]));
        Assert.True(Spread.Of([double.NaN]).IsEmpty);
        Assert.Equal("-", Spread.Of([]).Format("N0"));
    }

    [Fact]
    public void FormatShowsTheRangeOnlyWhenTheRoundsDisagree()
    {
        Assert.Equal("2,107 (1,980–2,300)", Spread.Of([2300, 2107, 1980]).Format("N0"));
        // Rounds that differ below the printed precision print as one number.
        Assert.Equal("20", Spread.Of([20.1, 19.9, 20.2]).Format("N0"));
    }

    [Fact]
    public void EntirelyBelowNeedsEveryValueBelowEveryOther()
    {
        Spread low = Spread.Of([1, 2, 3]);
        Spread high = Spread.Of([4, 5, 6]);
        Spread overlapping = Spread.Of([3, 7, 8]);

        Assert.True(low.EntirelyBelow(high));
        Assert.False(high.EntirelyBelow(low));
        Assert.False(low.EntirelyBelow(overlapping));
        Assert.False(overlapping.EntirelyBelow(low));
    }
}
