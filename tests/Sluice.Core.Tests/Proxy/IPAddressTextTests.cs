using System.Net;
using Sluice.Core.Proxy;

namespace Sluice.Core.Tests.Proxy;

// X-Forwarded-For hops are client-writable text: only the canonical forms name an address.
public sealed class IPAddressTextTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("2001:db8::9", "2001:db8::9")]
    [InlineData("2001:DB8:0:0:0:0:0:9", "2001:db8::9")]
    [InlineData("::1", "::1")]
    [InlineData("::", "::")]
    [InlineData("::ffff:203.0.113.9", "::ffff:203.0.113.9")]
    [InlineData("64:ff9b::192.0.2.33", "64:ff9b::c000:221")]
    public void CanonicalFormsParse(string text, string expected)
    {
        Assert.True(IPAddressText.TryParse(text, out IPAddress address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    // inet_aton's forms, all accepted by IPAddress.TryParse.
    [InlineData("0x7f.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("127.1")]
    [InlineData("127.0.1")]
    [InlineData("2130706433")]
    [InlineData("017.0.0.1")]
    [InlineData("0177.0.0.1")]
    [InlineData("127.0.0.01")]
    // Not addresses at all, or more than one.
    [InlineData("")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData("+1.2.3.4")]
    [InlineData("1.2.3.-4")]
    [InlineData("١.٢.٣.٤")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%1")]
    [InlineData("[2001:db8::9]")]
    [InlineData("2001:db8::9::1")]
    [InlineData("::ffff:0x7f.0.0.1")]
    [InlineData("::ffff:127.1")]
    [InlineData("::ffff:127.0.0.01")]
    [InlineData("12345::1")]
    [InlineData("unknown")]
    public void LenientAndInvalidFormsAreRefused(string text)
    {
        Assert.False(IPAddressText.TryParse(text, out _));
    }

    [Theory]
    [InlineData("203.0.113.9:5678", "203.0.113.9")]
    [InlineData("[2001:db8::9]:443", "2001:db8::9")]
    [InlineData("[2001:db8::9]", "2001:db8::9")]
    [InlineData("2001:db8::9", "2001:db8::9")]
    [InlineData("203.0.113.9", "203.0.113.9")]
    public void AnOptionalPortIsAccepted(string text, string expected)
    {
        Assert.True(IPAddressText.TryParseWithPort(text, out IPAddress address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("0x7f.1:80")]
    [InlineData("203.0.113.9:")]
    [InlineData("203.0.113.9:65536")]
    [InlineData("203.0.113.9:0x50")]
    [InlineData("[2001:db8::9]:")]
    [InlineData("[2001:db8::9]x")]
    [InlineData("[203.0.113.9]:80")]
    [InlineData("[fe80::1%eth0]:80")]
    public void BadPortFormsAreRefused(string text)
    {
        Assert.False(IPAddressText.TryParseWithPort(text, out _));
    }
}
