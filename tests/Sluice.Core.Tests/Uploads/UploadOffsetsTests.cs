using CsCheck;
using Sluice.Core.Uploads;

namespace Sluice.Core.Tests.Uploads;

public sealed class UploadOffsetsTests
{
    [Theory]
    [InlineData(0L, 100L, 0L, 100L, PatchCheck.Accept)]
    [InlineData(40L, 100L, 40L, 60L, PatchCheck.Accept)]
    [InlineData(40L, 100L, 40L, 10L, PatchCheck.Accept)]
    [InlineData(40L, 100L, 40L, null, PatchCheck.Accept)]
    [InlineData(100L, 100L, 100L, 0L, PatchCheck.Accept)] // the empty PATCH that retries a placement
    [InlineData(40L, 100L, 0L, 10L, PatchCheck.OffsetMismatch)] // a replay from the start
    [InlineData(40L, 100L, 50L, 10L, PatchCheck.OffsetMismatch)] // a gap
    [InlineData(40L, 100L, 40L, 61L, PatchCheck.BeyondLength)]
    [InlineData(100L, 100L, 100L, 1L, PatchCheck.BeyondLength)]
    public void Table(long server, long length, long client, long? body, PatchCheck expected) =>
        Assert.Equal(expected, UploadOffsets.Check(server, length, client, body));

    // Accepted exactly when the client stands where the server does and the body fits.
    [Fact]
    public void AcceptIffSameOffsetAndBodyFits() =>
        Gen.Select(Gen.Long[0, 1000], Gen.Long[0, 1000], Gen.Long[0, 1000], Gen.Long[0, 1000]).Sample((length, offsetSeed, client, body) =>
        {
            long server = offsetSeed % (length + 1);
            PatchCheck check = UploadOffsets.Check(server, length, client, body);
            bool fits = server + body <= length;
            Assert.Equal(client == server && fits, check == PatchCheck.Accept);
            if (client != server)
            {
                Assert.Equal(PatchCheck.OffsetMismatch, check);
            }
        });
}
