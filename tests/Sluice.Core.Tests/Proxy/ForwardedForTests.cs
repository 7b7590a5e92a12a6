using System.Net;
using Sluice.Core.Proxy;

namespace Sluice.Core.Tests.Proxy;

public sealed class ForwardedForTests
{
    private static readonly TrustedProxies s_trusted = TrustedProxies.Parse(["127.0.0.1", "10.0.0.0/8", "fd00::/64"]);

    [Theory]
    // The rightmost address that is not a trusted proxy is the client; what lies left of it is the client's own text.
    [InlineData("127.0.0.1", "203.0.113.9", "203.0.113.9")]
    [InlineData("127.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9")]
    [InlineData("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3", "203.0.113.9")]
    [InlineData("127.0.0.1", "198.51.100.1,203.0.113.9,10.1.2.3,fd00::5", "203.0.113.9")]
    [InlineData("127.0.0.1", "spoofed-by-client, 203.0.113.9", "203.0.113.9")]
    // Every hop trusted: the leftmost is the best we know.
    [InlineData("127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9")]
    // Garbage right of the client stops the walk at the last hop we can name.
    [InlineData("127.0.0.1", "203.0.113.9, unknown", "127.0.0.1")]
    [InlineData("127.0.0.1", "203.0.113.9, garbage, 10.1.2.3", "10.1.2.3")]
    // Ports that some proxies add are dropped.
    [InlineData("127.0.0.1", "203.0.113.9:5678", "203.0.113.9")]
    [InlineData("127.0.0.1", "[2001:db8::9]:443", "2001:db8::9")]
    [InlineData("127.0.0.1", " , 203.0.113.9 ,", "203.0.113.9")]
    [InlineData("127.0.0.1", "", "127.0.0.1")]
    // The peer is not trusted: the header is ignored entirely.
    [InlineData("192.0.2.50", "203.0.113.9", "192.0.2.50")]
    // An IPv4 client through a dual-stack socket (::ffff:127.0.0.1) is the trusted 127.0.0.1.
    [InlineData("::ffff:127.0.0.1", "203.0.113.9", "203.0.113.9")]
    [InlineData("127.0.0.1", "::ffff:203.0.113.9", "203.0.113.9")]
    // Non-canonical IPv4 text is garbage, not the address inet_aton would make of it: a client
    // must not pass as a trusted hop ("0xa.1" is 10.0.0.1 to IPAddress.TryParse) or name itself.
    [InlineData("127.0.0.1", "203.0.113.9, 0xa.1", "127.0.0.1")]
    [InlineData("127.0.0.1", "203.0.113.9, 10.1", "127.0.0.1")]
    [InlineData("127.0.0.1", "0xcb.0.113.9", "127.0.0.1")]
    [InlineData("127.0.0.1", "3405803785", "127.0.0.1")]
    public void ClientIsTheRightmostUntrustedHop(string peer, string header, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), ForwardedFor.Resolve(IPAddress.Parse(peer), header, s_trusted));
    }

    [Fact]
    public void NoTrustedProxiesMeansThePeer()
    {
        Assert.Equal(IPAddress.Loopback, ForwardedFor.Resolve(IPAddress.Loopback, "203.0.113.9", TrustedProxies.None));
    }
}
