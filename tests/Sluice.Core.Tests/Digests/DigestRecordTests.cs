using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Digests;

namespace Sluice.Core.Tests.Digests;

public sealed class DigestRecordTests
{
    private static readonly byte[] s_digest = SHA256.HashData("abc"u8);

    [Fact]
    public void RoundTripsAndReadsAsText()
    {
        var record = new DigestRecord(12_345, 1_764_560_000_123_456_789, s_digest);
        byte[] value = record.Format();

        Assert.Equal("v1 12345 1764560000123456789 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Encoding.ASCII.GetString(value));
        Assert.True(value.Length <= DigestRecord.MaxBytes);
        Assert.True(DigestRecord.TryParse(value, out DigestRecord parsed));
        Assert.Equal(record.Length, parsed.Length);
        Assert.Equal(record.ModifiedUnixNanoseconds, parsed.ModifiedUnixNanoseconds);
        Assert.Equal(s_digest, parsed.Sha256);
    }

    [Fact]
    public void ATimeBeforeTheEpochRoundTrips()
    {
        Assert.True(DigestRecord.TryParse(new DigestRecord(0, -5_000_000_000, s_digest).Format(), out DigestRecord parsed));
        Assert.Equal(-5_000_000_000, parsed.ModifiedUnixNanoseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("v2 1 2 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]             // unknown version
    [InlineData("v1 1 2 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015")]               // short digest
    [InlineData("v1 1 2 zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]             // not hex
    [InlineData("v1 -1 2 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]            // negative size
    [InlineData("v1 1 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]               // a field missing
    [InlineData("v1 1 2 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad extra")]       // a field too many
    public void RefusesAnythingElse(string value) => Assert.False(DigestRecord.TryParse(Encoding.Latin1.GetBytes(value), out _));
}
