using System.Text;
using CsCheck;
using Sluice.Core.Paths;

namespace Sluice.Core.Tests.Paths;

public sealed class FileNameEncodingTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("61", "a")]
    [InlineData("636166C3A9", "caf\u00E9")]               // valid UTF-8 decodes as usual
    [InlineData("F09F9880", "\U0001F600")]
    [InlineData("636166E9", "caf{E9}")]                 // a Latin-1 byte is escaped
    [InlineData("FFFE", "{FF}{FE}")]
    [InlineData("80", "{80}")]
    [InlineData("C0AE", "{C0}{AE}")]                  // overlong '.' stays two bytes, never '.'
    [InlineData("C0AF", "{C0}{AF}")]                  // overlong '/'
    [InlineData("E080AE", "{E0}{80}{AE}")]
    [InlineData("EDB280", "{ED}{B2}{80}")]          // U+DC80 itself as UTF-8 is not UTF-8
    [InlineData("E282", "{E2}{82}")]                  // truncated at the end
    [InlineData("E28241", "{E2}{82}A")]               // truncated before ASCII
    [InlineData("E282E282AC", "{E2}{82}\u20AC")]      // truncated before a valid sequence
    [InlineData("F4908080", "{F4}{90}{80}{80}")]  // beyond U+10FFFF
    [InlineData("C3A9FFC3A9", "\u00E9{FF}\u00E9")]
    // (xUnit cannot carry lone surrogates in attributes: "{XX}" stands for the escape of byte XX.)
    public void Table(string hex, string text)
    {
        byte[] bytes = Convert.FromHexString(hex);
        text = RequestPathDecoderTests.Escapes(text);
        Assert.Equal(text, FileNameEncoding.GetString(bytes));
        Assert.Equal(bytes, FileNameEncoding.GetBytes(text));
        Assert.Equal(bytes.Length, FileNameEncoding.GetByteCount(text));
    }

    [Theory]
    [InlineData(0xD800)] // lone surrogates GetString never makes: U+FFFD, as any UTF-8 encoder does
    [InlineData(0xDBFF)]
    [InlineData(0xDC7F)]
    [InlineData(0xDD00)]
    [InlineData(0xDFFF)]
    public void OtherLoneSurrogatesBecomeReplacementCharacters(int surrogate)
    {
        Assert.Equal(Convert.FromHexString("61EFBFBD62"), FileNameEncoding.GetBytes("a" + (char)surrogate + "b"));
    }

    [Fact]
    public void AnyNameRoundTrips()
    {
        // Any bytes a Linux name can hold: everything but '/' and NUL.
        Gen.Byte.Where(b => b is not (0 or (byte)'/')).Array[0, 64].Sample(bytes =>
        {
            string text = FileNameEncoding.GetString(bytes);
            Assert.Equal(bytes, FileNameEncoding.GetBytes(text));
            Assert.Equal(bytes.Length, FileNameEncoding.GetByteCount(text));
            Assert.True(text.Length <= FileNameEncoding.GetMaxCharCount(bytes.Length));
            Assert.Equal(text, FileNameEncoding.GetString(FileNameEncoding.GetBytes(text)));
        }, iter: 20000, print: b => Convert.ToHexString(b));
    }

    [Fact]
    public void AnyBytesRoundTrip()
    {
        // Biased to the bytes that make or break UTF-8, so that valid and invalid sequences mix.
        Gen<byte> interesting = Gen.OneOf(Gen.Byte, Gen.OneOfConst<byte>(0x2E, 0x2F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF));
        interesting.Array[0, 32].Sample(bytes =>
        {
            Assert.Equal(bytes, FileNameEncoding.GetBytes(FileNameEncoding.GetString(bytes)));
        }, iter: 20000, print: b => Convert.ToHexString(b));
    }

    [Fact]
    public void ValidUtf8IsDecodedAsTheBclDoes()
    {
        Gen.String.Where(s => !s.Any(char.IsSurrogate)).Sample(text =>
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            Assert.Equal(text, FileNameEncoding.GetString(utf8));
            Assert.Equal(utf8, FileNameEncoding.GetBytes(text));
        }, iter: 5000);
    }

    [Fact]
    public void AsciiBytesOnlyComeFromAsciiChars()
    {
        // The safety property behind path confinement: '.', '/', '\\' and NUL in the bytes the kernel
        // sees can only come from those very chars, never from an escape or a longer sequence.
        Gen.Byte.Array[0, 32].Sample(bytes =>
        {
            string text = FileNameEncoding.GetString(bytes);
            Assert.Equal(bytes.Count(b => b < 0x80), text.Count(c => c < 0x80));
        }, iter: 10000, print: b => Convert.ToHexString(b));
    }
}
