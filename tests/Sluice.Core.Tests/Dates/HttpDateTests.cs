using System.Text;
using CsCheck;
using Sluice.Core.Dates;

namespace Sluice.Core.Tests.Dates;

public sealed class HttpDateTests
{
    private static readonly DateTimeOffset s_rfcExample = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    [Theory]
    // The three forms of RFC 9110 §5.6.7.
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    // Surrounding OWS and a two-digit asctime day are tolerated.
    [InlineData("  Sun, 06 Nov 1994 08:49:37 GMT\t")]
    [InlineData("Sun Nov 06 08:49:37 1994")]
    public void ParsesTheRfcExample(string text)
    {
        Assert.True(HttpDate.TryParse(text, out DateTimeOffset value));
        Assert.Equal(s_rfcExample, value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("Thu, 01 Jan 1970 00:00:00 GMT", 1970, 1, 1, 0, 0, 0)]
    [InlineData("Mon, 29 Feb 2016 23:59:59 GMT", 2016, 2, 29, 23, 59, 59)]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT", 9999, 12, 31, 23, 59, 59)]
    [InlineData("Tue, 30 Jun 2015 23:59:60 GMT", 2015, 6, 30, 23, 59, 59)] // leap second held as :59
    [InlineData("Wed Dec 31 23:59:59 2025", 2025, 12, 31, 23, 59, 59)]
    [InlineData("Sat, 06 Nov 1994 08:49:37 GMT", 1994, 11, 6, 8, 49, 37)] // wrong weekday: syntax only
    public void ParsesOtherValidDates(string text, int year, int month, int day, int hour, int minute, int second)
    {
        Assert.True(HttpDate.TryParse(text, out DateTimeOffset value));
        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Sun, 06 Nov 1994 08:49:37")]           // no zone
    [InlineData("Sun, 06 Nov 1994 08:49:37 UTC")]       // only GMT
    [InlineData("Sun, 06 Nov 1994 08:49:37 gmt")]       // case-sensitive
    [InlineData("sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 6 Nov 1994 08:49:37 GMT")]        // fixdate day is 2DIGIT
    [InlineData("Sun, 06 Nov 94 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 +0000")]
    [InlineData("Sun, 06 Nov 1994 8:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08-49-37 GMT")]
    [InlineData("Sun, 31 Nov 1994 08:49:37 GMT")]       // no such day
    [InlineData("Tue, 29 Feb 2015 08:49:37 GMT")]
    [InlineData("Sun, 00 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:00:00 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:60:00 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:61 GMT")]
    [InlineData("Sun, 06 Nov 0000 08:49:37 GMT")]
    [InlineData("Sun, 06 Xyz 1994 08:49:37 GMT")]
    [InlineData("Xyz, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT")] // a list is not a date
    [InlineData("Sunday, 06-Nov-1994 08:49:37 GMT")]
    [InlineData("Sundae, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sunday, 06 Nov 94 08:49:37 GMT")]
    [InlineData("Sun Nov 6 08:49:37 1994")]             // asctime single-digit day needs the extra space
    [InlineData("Sun Nov  6 08:49:37 94")]
    [InlineData("Sun Nov  6 08:49:37 1994 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:3७ GMT")]       // non-ASCII digits
    [InlineData("1994-11-06T08:49:37Z")]
    public void RejectsGarbage(string text)
    {
        Assert.False(HttpDate.TryParse(text, out DateTimeOffset value));
        Assert.Equal(default, value);
    }

    [Theory]
    // §5.6.7: a two-digit year more than 50 years in the future means the most recent matching past year.
    [InlineData(2025, "94", 1994)]
    [InlineData(2025, "75", 2075)]
    [InlineData(2025, "76", 1976)]
    [InlineData(2025, "25", 2025)]
    [InlineData(2025, "00", 2000)]
    [InlineData(2090, "05", 2105)]
    public void Rfc850TwoDigitYear(int currentYear, string twoDigits, int expectedYear)
    {
        Assert.True(HttpDate.TryParse($"Sunday, 06-Nov-{twoDigits} 08:49:37 GMT", currentYear, out DateTimeOffset value));
        Assert.Equal(expectedYear, value.Year);
    }

    [Fact]
    public void FormatsTheRfcExample()
    {
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(s_rfcExample));

        Span<byte> buffer = stackalloc byte[40];
        buffer.Fill((byte)'#');
        Assert.Equal(29, HttpDate.Format(s_rfcExample, buffer));
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", Encoding.ASCII.GetString(buffer[..29]));
        Assert.Equal((byte)'#', buffer[29]); // writes nothing past the date
    }

    [Fact]
    public void FormatConvertsToUtcAndDropsFractions()
    {
        var local = new DateTimeOffset(1994, 11, 6, 10, 49, 37, 999, TimeSpan.FromHours(2));
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(local));
        Assert.Equal("Mon, 01 Jan 0001 00:00:00 GMT", HttpDate.Format(DateTimeOffset.MinValue));
        Assert.Equal("Fri, 31 Dec 9999 23:59:59 GMT", HttpDate.Format(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void FormatRejectsAShortBuffer()
    {
        Assert.Throws<ArgumentException>(() => HttpDate.Format(s_rfcExample, new byte[28]));
    }

    [Fact]
    public void FormatDoesNotAllocate()
    {
        var buffer = new byte[29];
        HttpDate.Format(s_rfcExample, buffer); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            HttpDate.Format(s_rfcExample.AddDays(i), buffer);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void FormatRoundTripsThroughParse()
    {
        Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks].Sample(ticks =>
        {
            var value = new DateTimeOffset(ticks, TimeSpan.Zero);
            string text = HttpDate.Format(value);
            Assert.Equal(29, text.Length);
            Assert.True(HttpDate.TryParse(text, out DateTimeOffset parsed), text);
            Assert.Equal(value.ToUnixTimeSeconds(), parsed.ToUnixTimeSeconds());
            Assert.Equal(text, value.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        }, iter: 5000);
    }
}
