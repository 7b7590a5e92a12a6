using System.Text;
using Sluice.Core.Auth;

namespace Sluice.Core.Tests.Auth;

public sealed class BasicCredentialsTests
{
    private static bool Parse(string value, out string user, out string password) =>
        BasicCredentials.TryParse(Encoding.Latin1.GetBytes(value), out user, out password);

    [Fact]
    public void ParsesTheRfc7617Example()
    {
        // RFC 7617 §2: Aladdin / open sesame.
        Assert.True(Parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", out string user, out string password));
        Assert.Equal("Aladdin", user);
        Assert.Equal("open sesame", password);
    }

    [Theory]
    [InlineData("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")]
    [InlineData("BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==")]
    [InlineData("  Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ")]
    public void SchemeIsCaseInsensitiveAndSpacesAreAllowed(string value)
    {
        Assert.True(Parse(value, out string user, out _));
        Assert.Equal("Aladdin", user);
    }

    [Fact]
    public void PasswordMayContainColonsUserEndsAtTheFirst()
    {
        Assert.True(Parse(BasicCredentials.Format("bob", "a:b:c"), out string user, out string password));
        Assert.Equal("bob", user);
        Assert.Equal("a:b:c", password);
    }

    [Fact]
    public void DecodesUtf8AsAnnouncedByCharset()
    {
        // RFC 7617 §2.1's example: "test" / "123£" in UTF-8.
        Assert.True(Parse("Basic dGVzdDoxMjPCow==", out string user, out string password));
        Assert.Equal("test", user);
        Assert.Equal("123£", password);
    }

    [Fact]
    public void EmptyPasswordIsParsedAndLeftToTheVerifier()
    {
        Assert.True(Parse(BasicCredentials.Format("bob", ""), out _, out string password));
        Assert.Equal("", password);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic")]
    [InlineData("Basic ")]
    [InlineData("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==")]
    [InlineData("BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==")]
    [InlineData("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ")] // padding missing
    [InlineData("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==x")]
    [InlineData("Basic QWxh ZGRpbjpvcGVuIHNlc2FtZQ==")]
    [InlineData("Basic !!!!")]
    [InlineData("Basic bm9jb2xvbg==")] // "nocolon"
    [InlineData("Basic gICA6YQ==")] // invalid UTF-8 before the colon
    public void RefusesMalformedCredentials(string value)
    {
        Assert.False(Parse(value, out _, out _));
    }

    [Fact]
    public void RefusesControlCharacters()
    {
        Assert.False(Parse(BasicCredentials.Format("bo\nb", "x"), out _, out _));
        Assert.False(Parse(BasicCredentials.Format("bob", "x\u007f"), out _, out _));
        Assert.False(Parse(BasicCredentials.Format("bob", "x\0"), out _, out _));
    }

    [Fact]
    public void RefusesAnOversizedToken()
    {
        string big = BasicCredentials.Format("bob", new string('p', BasicCredentials.MaxTokenBytes));
        Assert.False(Parse(big, out _, out _));
    }
}
