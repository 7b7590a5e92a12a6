using Sluice.Core.Uploads;

namespace Sluice.Core.Tests.Uploads;

public sealed class UploadIdTests
{
    [Fact]
    public void NewIdsAreValidLowercaseHexAndDistinct()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => UploadId.New()).ToList();
        Assert.All(ids, id =>
        {
            Assert.Equal(32, id.Length);
            Assert.True(UploadId.IsValid(id));
            Assert.True(UploadId.IsValid(System.Text.Encoding.ASCII.GetBytes(id)));
        });
        Assert.Equal(ids.Count, ids.Distinct().Count());

        // 128 random bits: every hex digit position takes many values across 1000 ids (a counter
        // or a timestamp would leave the leading positions constant).
        for (int position = 0; position < 32; position++)
        {
            Assert.True(ids.Select(id => id[position]).Distinct().Count() > 8, $"position {position} barely varies");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("../../../../../../../../etc/pass")]
    public void RejectsAnythingElse(string id)
    {
        Assert.False(UploadId.IsValid(id));
        Assert.False(UploadId.IsValid(System.Text.Encoding.ASCII.GetBytes(id)));
    }
}
