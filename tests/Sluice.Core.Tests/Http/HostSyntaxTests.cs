using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

// RFC 9110 §7.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ].
public sealed class HostSyntaxTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("a", true)]
    [InlineData("example.com", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("a:", true)] // port = *DIGIT: empty is allowed
    [InlineData("a:65535", true)]
    [InlineData("[::1]", true)]
    [InlineData("[::1]:80", true)]
    [InlineData("[2001:db8::7]", true)]
    [InlineData("[::ffff:192.0.2.1]", true)]
    [InlineData("[v1.fe80::a+en1]", true)]
    [InlineData("a%2Eb", true)]
    [InlineData("sub-delims!$&'()*+,;=", true)]
    [InlineData("a b", false)]
    [InlineData("a, b", false)]
    [InlineData("user@a", false)]
    [InlineData("a/b", false)]
    [InlineData("a?b", false)]
    [InlineData("a#b", false)]
    [InlineData("a:b", false)]
    [InlineData("a:80:80", false)]
    [InlineData("a:00080", true)]
    [InlineData("[::1]:65535", true)]
    [InlineData("a:65536", false)] // five digits, but not a 16-bit port
    [InlineData("a:99999", false)]
    [InlineData("[::1]:65536", false)]
    [InlineData("a:123456", false)]
    [InlineData("a:-1", false)]
    [InlineData("[::1", false)]
    [InlineData("[]", false)]
    [InlineData("[::1]x", false)]
    [InlineData("[::1]:x", false)]
    [InlineData("[a.b]", false)] // not IPv6: no ':'
    [InlineData("[v.x]", false)]
    [InlineData("[::g]", false)]
    [InlineData("a%zz", false)]
    [InlineData("a%2", false)]
    [InlineData("a\tb", false)]
    [InlineData("caf\u00e9", false)]
    public void MatchesTheGrammar(string host, bool valid)
    {
        Assert.Equal(valid, HostSyntax.IsValid(Encoding.Latin1.GetBytes(host)));
    }
}
