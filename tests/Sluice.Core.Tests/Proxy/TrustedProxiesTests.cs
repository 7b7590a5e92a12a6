using System.Net;
using Sluice.Core.Proxy;

namespace Sluice.Core.Tests.Proxy;

public sealed class TrustedProxiesTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("fd00::/64", "fd00::1234", true)]
    [InlineData("fd00::/64", "fd00:0:0:1::1", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "127.0.0.1", false)]
    public void ContainsMatchesTheNetwork(string network, string address, bool expected)
    {
        Assert.Equal(expected, TrustedProxies.Parse([network]).Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.1/8")] // host bits set: most likely a typo
    [InlineData("10.0.0.0/33")]
    [InlineData("proxy.example")]
    [InlineData("")]
    public void MalformedNetworksAreRefused(string text)
    {
        Assert.False(TrustedProxies.TryParseNetwork(text, out _));
        Assert.Throws<FormatException>(() => TrustedProxies.Parse([text]));
    }
}
