using CsCheck;
using Sluice.Core.Uploads;

namespace Sluice.Core.Tests.Uploads;

public sealed class TusProtocolTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData(" 7 ", 7L)]
    [InlineData("999999999999999999", 999_999_999_999_999_999L)]
    public void ParsesNonNegativeIntegers(string text, long expected)
    {
        Assert.True(TusProtocol.TryParseNonNegative(text, out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1 2")]
    [InlineData("1,2")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("9999999999999999999")]
    public void RefusesEverythingElse(string text) => Assert.False(TusProtocol.TryParseNonNegative(text, out _));

    [Fact]
    public void EveryNonNegativeLongBelowTheDigitLimitRoundTrips() =>
        Gen.Long[0, 999_999_999_999_999_999L].Sample(n =>
        {
            Assert.True(TusProtocol.TryParseNonNegative(n.ToString(System.Globalization.CultureInfo.InvariantCulture), out long parsed));
            Assert.Equal(n, parsed);
        });

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData(" 1.0.0 ", true)]
    [InlineData("1.0", false)]
    [InlineData("0.2.2", false)]
    [InlineData("1.0.0,0.2.2", false)]
    [InlineData("", false)]
    public void OnlyVersionOneIsSpoken(string value, bool expected) => Assert.Equal(expected, TusProtocol.IsSupportedVersion(value));

    [Theory]
    [InlineData("application/offset+octet-stream", true)]
    [InlineData("Application/Offset+Octet-Stream", true)]
    [InlineData("application/offset+octet-stream; charset=x", true)]
    [InlineData("application/octet-stream", false)]
    [InlineData("application/offset+octet-streamx", false)]
    [InlineData("", false)]
    public void PatchContentTypeIsChecked(string value, bool expected) => Assert.Equal(expected, TusProtocol.IsOffsetContentType(value));
}
