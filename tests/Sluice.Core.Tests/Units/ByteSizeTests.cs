using Sluice.Core.Units;

namespace Sluice.Core.Tests.Units;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("512K", 512L * 1024)]
    [InlineData("4MiB", 4L << 20)]
    [InlineData("4m", 4L << 20)]
    [InlineData(" 1GiB ", 1L << 30)]
    [InlineData("320MB", 320L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("0", 0L)]
    public void Parses(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("-4M")]
    [InlineData("4 parsecs")]
    [InlineData("99999999999T")]
    public void RejectsNonsense(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData(4L << 20, "4MiB")]
    [InlineData(1L << 30, "1GiB")]
    [InlineData(1536L, "1536")]
    [InlineData(2048L, "2KiB")]
    public void Formats(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}
