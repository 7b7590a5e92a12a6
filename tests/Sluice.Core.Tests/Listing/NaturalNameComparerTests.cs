using Sluice.Core.Listing;

namespace Sluice.Core.Tests.Listing;

public sealed class NaturalNameComparerTests
{
    [Theory]
    [InlineData("file2", "file10")]
    [InlineData("file9.txt", "file10.txt")]
    [InlineData("a", "B")]            // case-insensitive
    [InlineData("B", "b")]            // equal ignoring case: ordinal tiebreak, uppercase first
    [InlineData("a01", "a1")]         // equal by value: ordinal tiebreak ('0' < '1')
    [InlineData("a1", "a1b")]         // a prefix first
    [InlineData("x2y", "x10a")]
    [InlineData("v1.9", "v1.10")]
    [InlineData("99999999999999999999999", "100000000000000000000000")] // beyond long: compared as digit strings
    public void OrdersNaturally(string first, string second)
    {
        Assert.True(NaturalNameComparer.Instance.Compare(first, second) < 0, $"{first} < {second}");
        Assert.True(NaturalNameComparer.Instance.Compare(second, first) > 0, $"{second} > {first}");
    }

    [Fact]
    public void IsATotalOrderSoOnlyIdenticalNamesCompareEqual()
    {
        string[] names = ["a", "A", "a1", "a01", "a001", "A1", "b", "file10", "file2", "File2", "_", "é", "10", "010", "1"];
        foreach (string x in names)
        {
            foreach (string y in names)
            {
                int c = NaturalNameComparer.Instance.Compare(x, y);
                Assert.Equal(x == y, c == 0);
                Assert.Equal(Math.Sign(c), -Math.Sign(NaturalNameComparer.Instance.Compare(y, x)));
                foreach (string z in names)
                {
                    if (c < 0 && NaturalNameComparer.Instance.Compare(y, z) < 0)
                    {
                        Assert.True(NaturalNameComparer.Instance.Compare(x, z) < 0, $"{x} < {y} < {z}");
                    }
                }
            }
        }
    }

    [Fact]
    public void SortsAListAsPeopleExpect()
    {
        List<string> names = ["file10", "File1", "file2", "file1", "file20", "readme"];
        names.Sort(NaturalNameComparer.Instance);
        Assert.Equal(["File1", "file1", "file2", "file10", "file20", "readme"], names);
    }
}
