using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

public sealed class ContentRangeTests
{
    [Theory]
    [InlineData("bytes 0-9/100", 0, 9, 100L)]
    [InlineData("bytes 4194304-8388607/10000000", 4194304, 8388607, 10000000L)]
    [InlineData("bytes 99-99/100", 99, 99, 100L)]
    [InlineData("bytes 0-9/*", 0, 9, null)]
    [InlineData("BYTES 1-2/3", 1, 2, 3L)]
    public void ParsesASingleRange(string value, long first, long last, long? complete)
    {
        Assert.True(ContentRange.TryParse(value, out ContentRange range));
        Assert.Equal(new ContentRange(first, last, complete), range);
        Assert.Equal(last - first + 1, range.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes */100")] // the 416 form: no range
    [InlineData("bytes 9-0/100")] // last before first
    [InlineData("bytes 0-100/100")] // last beyond the length
    [InlineData("bytes 0-9/")]
    [InlineData("bytes -9/100")]
    [InlineData("bytes 0-9")]
    [InlineData("items 0-9/100")]
    [InlineData("bytes +0-9/100")]
    [InlineData("bytes 0-9/1e3")]
    public void RefusesAnythingElse(string? value)
    {
        Assert.False(ContentRange.TryParse(value, out _));
    }
}
