using Sluice.Core.Dates;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// RFC 9110 §8.8.2.1: an origin server with a clock MUST NOT send a Last-Modified date later than
// the message's Date; a representation modified "in the future" is given the Date instead.
public sealed class LastModifiedTests
{
    [Fact]
    public async Task AFutureMtimeIsClampedToTheResponseDate()
    {
        await using var server = TestServer.Start();
        string path = server.PathOf("future.txt");
        await File.WriteAllTextAsync(path, "from the future\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(400));

        RawResponse response = await server.GetAsync("/future.txt");

        Assert.Equal(200, response.Status);
        DateTimeOffset date = ParseDate(response.RequireHeader("Date"));
        DateTimeOffset lastModified = ParseDate(response.RequireHeader("Last-Modified"));
        Assert.True(lastModified <= date, $"Last-Modified {lastModified:R} is after Date {date:R}");
        Assert.True(date - lastModified < TimeSpan.FromDays(1), $"Last-Modified {lastModified:R} is not the response's time");
    }

    [Fact]
    public async Task APastMtimeIsSentAsIs()
    {
        await using var server = TestServer.Start();
        string path = server.PathOf("past.txt");
        await File.WriteAllTextAsync(path, "from the past\n");
        var mtime = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, mtime);

        RawResponse response = await server.GetAsync("/past.txt");

        Assert.Equal(new DateTimeOffset(mtime), ParseDate(response.RequireHeader("Last-Modified")));
    }

    private static DateTimeOffset ParseDate(string value)
    {
        Assert.True(HttpDate.TryParse(value, out DateTimeOffset parsed), $"not an HTTP date: {value}");
        return parsed;
    }
}
