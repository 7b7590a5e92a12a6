using System.Text;
using Sluice.Core.Responses;

namespace Sluice.Core.Tests.Responses;

public sealed class ResponseHeadWriterTests
{
    [Fact]
    public void WritesStatusLineFieldsAndBlankLine()
    {
        var buffer = new byte[512];
        var writer = new ResponseHeadWriter(buffer);
        writer.StatusLine(206);
        writer.Field("Content-Type"u8, "text/plain; charset=utf-8");
        writer.Field("Content-Length"u8, 4_294_967_296L);
        writer.ContentRange(0, 4_294_967_295L, 5_000_000_000L);
        writer.End();

        Assert.False(writer.Overflowed);
        Assert.Equal(
            "HTTP/1.1 206 Partial Content\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4294967296\r\n" +
            "Content-Range: bytes 0-4294967295/5000000000\r\n\r\n",
            Encoding.ASCII.GetString(writer.Written));
    }

    [Fact]
    public void UnsatisfiedRangeNamesTheCompleteLength()
    {
        var buffer = new byte[128];
        var writer = new ResponseHeadWriter(buffer);
        writer.UnsatisfiedContentRange(10_000);
        Assert.Equal("Content-Range: bytes */10000\r\n", Encoding.ASCII.GetString(writer.Written));
    }

    [Fact]
    public void NonAsciiValuesAreReplacedNotTreatedAsOverflow()
    {
        var buffer = new byte[64];
        var writer = new ResponseHeadWriter(buffer);
        writer.Field("X"u8, "caf\u00e9\r\n");
        Assert.False(writer.Overflowed);
        Assert.Equal("X: caf???\r\n", Encoding.ASCII.GetString(writer.Written));

        var second = new ResponseHeadWriter(buffer);
        second.Field("Location"u8, "/a\r\nSet-Cookie: x");
        Assert.Equal("Location: /a??Set-Cookie: x\r\n", Encoding.ASCII.GetString(second.Written));
    }

    [Fact]
    public void OverflowIsReportedNotTruncatedSilently()
    {
        var buffer = new byte[20];
        var writer = new ResponseHeadWriter(buffer);
        writer.StatusLine(200);
        writer.Field("Server"u8, "sluice");
        Assert.True(writer.Overflowed);
    }

    [Theory]
    [InlineData(200, "HTTP/1.1 200 OK\r\n")]
    [InlineData(304, "HTTP/1.1 304 Not Modified\r\n")]
    [InlineData(416, "HTTP/1.1 416 Range Not Satisfiable\r\n")]
    [InlineData(505, "HTTP/1.1 505 HTTP Version Not Supported\r\n")]
    public void StatusLines(int status, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(ReasonPhrases.StatusLine(status)));
}
