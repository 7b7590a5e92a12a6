using System.Text;
using CsCheck;
using Sluice.Core.Uploads;

namespace Sluice.Core.Tests.Uploads;

public sealed class UploadMetadataTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void ParsesPairsAndKeysWithoutValues()
    {
        string field = $"filename {B64("dir/a.bin")},ifnonematch {B64("*")},is_confidential";
        Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse(field, out UploadMetadata metadata));
        Assert.Equal(3, metadata.Count);
        Assert.True(metadata.TryGetValue("filename", out byte[] filename));
        Assert.Equal("dir/a.bin", Encoding.UTF8.GetString(filename));
        Assert.True(metadata.TryGetValue("ifnonematch", out byte[] condition));
        Assert.Equal("*"u8.ToArray(), condition);
        Assert.True(metadata.TryGetValue("is_confidential", out byte[] flag));
        Assert.Empty(flag);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyFieldHasNoPairs(string field)
    {
        Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse(field, out UploadMetadata metadata));
        Assert.Equal(0, metadata.Count);
    }

    [Fact]
    public void SpaceAfterCommaIsTolerated()
    {
        Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse("a YQ==, b Yg==", out UploadMetadata metadata));
        Assert.True(metadata.TryGetValue("b", out byte[] b));
        Assert.Equal("b"u8.ToArray(), b);
    }

    [Theory]
    [InlineData("a YQ==,,b Yg==", MetadataRejection.MalformedPair)]
    [InlineData(",a YQ==", MetadataRejection.MalformedPair)]
    [InlineData("a YQ==,", MetadataRejection.MalformedPair)]
    [InlineData(" YQ==", MetadataRejection.None)] // leading whitespace of the field is trimmed: key "YQ==", no value
    [InlineData("a YQ== Yg==", MetadataRejection.MalformedPair)]
    [InlineData("a  YQ==", MetadataRejection.MalformedPair)]
    [InlineData("ä YQ==", MetadataRejection.InvalidKey)]
    [InlineData("a\u0001 YQ==", MetadataRejection.InvalidKey)]
    [InlineData("a YQ==,a Yg==", MetadataRejection.DuplicateKey)]
    [InlineData("a YQ", MetadataRejection.InvalidValue)] // no padding: RFC 4648 §4 requires it
    [InlineData("a YR==", MetadataRejection.InvalidValue)] // non-zero pad bits: not canonical
    [InlineData("a Y*==", MetadataRejection.InvalidValue)]
    [InlineData("a YQ-_", MetadataRejection.InvalidValue)] // base64url alphabet is not base64
    [InlineData("a Y\tQ==", MetadataRejection.InvalidValue)]
    public void RejectsMalformedFields(string field, MetadataRejection expected) =>
        Assert.Equal(expected, UploadMetadata.TryParse(field, out _));

    [Fact]
    public void LimitsAreEnforced()
    {
        string tooLong = "a " + new string('Q', UploadMetadata.MaxFieldLength);
        Assert.Equal(MetadataRejection.TooLong, UploadMetadata.TryParse(tooLong, out _));

        string tooMany = string.Join(',', Enumerable.Range(0, UploadMetadata.MaxPairs + 1).Select(i => $"k{i}"));
        Assert.Equal(MetadataRejection.TooManyPairs, UploadMetadata.TryParse(tooMany, out _));
        string enough = string.Join(',', Enumerable.Range(0, UploadMetadata.MaxPairs).Select(i => $"k{i}"));
        Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse(enough, out _));

        string bigValue = "a " + Convert.ToBase64String(new byte[UploadMetadata.MaxValueBytes + 1]);
        Assert.Equal(MetadataRejection.InvalidValue, UploadMetadata.TryParse(bigValue, out _));
        string maxValue = "a " + Convert.ToBase64String(new byte[UploadMetadata.MaxValueBytes]);
        Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse(maxValue, out _));
    }

    // Whatever a client encodes (distinct visible-ASCII keys, any bytes as values) comes back as it was.
    [Fact]
    public void EncodedPairsRoundTrip()
    {
        Gen<string> key = Gen.Char['!', '~'].Where(c => c != ',').Array[1, 12].Select(chars => new string(chars));
        Gen<byte[]> value = Gen.Byte.Array[0, 64];
        Gen.Dictionary(key, value)[0, 8].Sample(pairs =>
        {
            string field = string.Join(',', pairs.Select(p => p.Value.Length == 0 ? p.Key : $"{p.Key} {Convert.ToBase64String(p.Value)}"));
            Assert.Equal(MetadataRejection.None, UploadMetadata.TryParse(field, out UploadMetadata metadata));
            Assert.Equal(pairs.Count, metadata.Count);
            foreach ((string k, byte[] v) in pairs)
            {
                Assert.True(metadata.TryGetValue(k, out byte[] decoded));
                Assert.Equal(v, decoded);
            }
        });
    }
}
