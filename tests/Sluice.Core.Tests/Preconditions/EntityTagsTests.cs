using Sluice.Core.Preconditions;

namespace Sluice.Core.Tests.Preconditions;

public sealed class EntityTagsTests
{
    [Fact]
    public void CreateIsAQuotedStrongTagOfMtimeThenLengthAsNginxWrites()
    {
        Assert.Equal("\"3b9aca00-10\"", EntityTags.Create(16, 1_000_000_000));
    }

    [Fact]
    public void CreateChangesWithEachComponent()
    {
        string tag = EntityTags.Create(1000, 1_700_000_000_123_456_789);
        Assert.NotEqual(tag, EntityTags.Create(1001, 1_700_000_000_123_456_789));
        Assert.NotEqual(tag, EntityTags.Create(1000, 1_700_000_000_123_456_790));
        Assert.Equal(tag, EntityTags.Create(1000, 1_700_000_000_123_456_789));
    }

    [Fact]
    public void CreatedTagIsAValidStrongEntityTag()
    {
        string tag = EntityTags.Create(long.MaxValue, long.MinValue);
        Assert.StartsWith("\"", tag);
        Assert.EndsWith("\"", tag);
        Assert.True(EntityTags.ListMatches(tag, tag, weak: false));
    }

    [Theory]
    // "*" matches any current representation (§13.1.1).
    [InlineData("*", "\"a\"", false, true)]
    [InlineData(" * ", "W/\"a\"", false, true)]
    // Strong comparison: identical and both strong (§8.8.3.2).
    [InlineData("\"a\"", "\"a\"", false, true)]
    [InlineData("\"a\"", "\"b\"", false, false)]
    [InlineData("W/\"a\"", "\"a\"", false, false)]
    [InlineData("\"a\"", "W/\"a\"", false, false)]
    [InlineData("W/\"a\"", "W/\"a\"", false, false)]
    // Weak comparison ignores W/.
    [InlineData("W/\"a\"", "\"a\"", true, true)]
    [InlineData("\"a\"", "W/\"a\"", true, true)]
    [InlineData("W/\"a\"", "W/\"a\"", true, true)]
    [InlineData("W/\"a\"", "W/\"b\"", true, false)]
    // Lists, OWS and empty elements.
    [InlineData("\"x\", \"y\", \"a\"", "\"a\"", false, true)]
    [InlineData("\"x\",\"y\"", "\"a\"", false, false)]
    [InlineData("\"x\",W/\"a\"", "\"a\"", false, false)]
    [InlineData("\"x\",W/\"a\"", "\"a\"", true, true)]
    [InlineData(" , \"x\" ,, \t\"a\" , ", "\"a\"", false, true)]
    // A comma inside an opaque-tag is part of the tag, not a separator.
    [InlineData("\"a,b\"", "\"a,b\"", false, true)]
    [InlineData("\"a,b\"", "\"a\"", false, false)]
    // Case matters, in the tag and in the W/ prefix.
    [InlineData("\"A\"", "\"a\"", true, false)]
    [InlineData("w/\"a\"", "\"a\"", true, false)]
    // Malformed values match nothing.
    [InlineData("a", "\"a\"", true, false)]
    [InlineData("\"a", "\"a\"", true, false)]
    [InlineData("\"a\" \"b\"", "\"a\"", true, false)]
    [InlineData("\"a\"x", "\"a\"", true, false)]
    [InlineData("\"a b\"", "\"a b\"", true, false)]
    [InlineData("*, \"a\"", "\"a\"", true, false)]
    [InlineData("", "\"a\"", true, false)]
    public void ListMatches(string header, string current, bool weak, bool expected)
    {
        Assert.Equal(expected, EntityTags.ListMatches(header, current, weak));
    }
}
