using System.Net;
using System.Text;
using Sluice.Core.Proxy;

namespace Sluice.Core.Tests.Proxy;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] s_signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    // A v2 header as HAProxy's send-proxy-v2 writes it: signature, 0x21 (v2, PROXY), family, length, addresses, TLVs.
    internal static byte[] V2(byte versionCommand, byte family, byte[] addresses, byte[]? tlvs = null)
    {
        tlvs ??= [];
        int length = addresses.Length + tlvs.Length;
        return [.. s_signature, versionCommand, family, (byte)(length >> 8), (byte)length, .. addresses, .. tlvs];
    }

    internal static byte[] Inet4(string source, int sourcePort, string destination, int destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
         (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];

    public static TheoryData<string, byte[], string?, int> ValidHeaders => new()
    {
        { "v2 tcp4", V2(0x21, 0x11, Inet4("203.0.113.7", 4242, "10.0.0.1", 443)), "203.0.113.7", 4242 },
        {
            "v2 tcp6",
            V2(0x21, 0x21, [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x10, 0x92, 0x01, 0xBB]),
            "2001:db8::7", 4242
        },
        // TLVs (here PP2_TYPE_ALPN "h2" and a unique id) follow the addresses and are skipped.
        { "v2 tcp4 + tlvs", V2(0x21, 0x11, Inet4("198.51.100.2", 1, "10.0.0.1", 80), [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x05, 0x00, 0x03, 1, 2, 3]), "198.51.100.2", 1 },
        // LOCAL (a health check by the proxy itself): the address block is ignored.
        { "v2 local", V2(0x20, 0x11, Inet4("203.0.113.7", 4242, "10.0.0.1", 443)), null, 0 },
        { "v2 local unspec", V2(0x20, 0x00, []), null, 0 },
        { "v2 proxy unspec", V2(0x21, 0x00, []), null, 0 },
        { "v2 proxy unix", V2(0x21, 0x31, new byte[216]), null, 0 },
        { "v1 tcp4", Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.10 10.0.0.1 56324 443\r\n"), "192.0.2.10", 56324 },
        { "v1 tcp6", Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::10 ::1 65535 8080\r\n"), "2001:db8::10", 65535 },
        { "v1 unknown", Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"), null, 0 },
        { "v1 unknown with addresses", Encoding.ASCII.GetBytes("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"), null, 0 },
    };

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void CompleteHeaderIsParsedAndConsumedWithoutTheRequestAfterIt(string name, byte[] header, string? source, int sourcePort)
    {
        byte[] input = [.. header, .. "GET / HTTP/1.1\r\n"u8];

        ProxyParseStatus status = ProxyHeaderParser.TryParse(input, out ProxyHeader parsed, out int consumed);

        Assert.True(status == ProxyParseStatus.Complete, $"{name}: {status}");
        Assert.Equal(header.Length, consumed);
        Assert.Equal(source is null ? null : IPAddress.Parse(source), parsed.Source);
        Assert.Equal(sourcePort, parsed.SourcePort);
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void EveryPrefixIsIncompleteAndConsumesNothing(string name, byte[] header, string? source, int sourcePort)
    {
        _ = source;
        _ = sourcePort;
        for (int length = 0; length < header.Length; length++)
        {
            ProxyParseStatus status = ProxyHeaderParser.TryParse(header.AsSpan(0, length), out _, out int consumed);
            Assert.True(status == ProxyParseStatus.Incomplete, $"{name}: prefix of {length} bytes gave {status}");
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void DestinationIsReportedToo()
    {
        ProxyHeaderParser.TryParse(V2(0x21, 0x11, Inet4("203.0.113.7", 4242, "10.0.0.1", 443)), out ProxyHeader parsed, out _);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), parsed.Destination);
        Assert.Equal(443, parsed.DestinationPort);
        Assert.Equal(2, parsed.Version);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PUT /x HTTP/1.1\r\n")]
    [InlineData("PROX / HTTP/1.1\r\n")]
    [InlineData("\r\nGET / HTTP/1.1\r\n")] // a leading empty line (RFC 9112 §2.2) shares only 2 bytes with the v2 signature
    public void HttpRequestsAreNotProxyHeaders(string request)
    {
        Assert.Equal(ProxyParseStatus.NotPresent, ProxyHeaderParser.TryParse(Encoding.ASCII.GetBytes(request), out _, out int consumed));
        Assert.Equal(0, consumed);
    }

    public static TheoryData<string, byte[]> InvalidHeaders => new()
    {
        { "v2 version 1", V2(0x11, 0x11, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v2 command 2", V2(0x22, 0x11, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v2 family 4", V2(0x21, 0x41, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v2 transport 3", V2(0x21, 0x13, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v2 udp", V2(0x21, 0x12, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v2 length below the address block", V2(0x21, 0x21, Inet4("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "v1 no protocol", Encoding.ASCII.GetBytes("PROXY 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "v1 tcp4 with an ipv6 address", Encoding.ASCII.GetBytes("PROXY TCP4 ::1 ::1 1 2\r\n") },
        { "v1 tcp6 with an ipv4 address", Encoding.ASCII.GetBytes("PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n") },
        { "v1 short ipv4", Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n") },
        { "v1 port out of range", Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") },
        { "v1 port with leading zero", Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n") },
        { "v1 missing port", Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") },
        { "v1 double space", Encoding.ASCII.GetBytes("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n") },
        { "v1 control byte", Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n") },
        { "v1 longer than 107 bytes", Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('a', 100) + "\r\n") },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void MalformedHeadersAreInvalid(string name, byte[] header)
    {
        ProxyParseStatus status = ProxyHeaderParser.TryParse(header, out _, out int consumed);
        Assert.True(status == ProxyParseStatus.Invalid, $"{name}: {status}");
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void A107ByteV1LineWithoutCrlfIsInvalidNotIncomplete()
    {
        // A client that never ends the line must not make the server wait for more.
        byte[] line = Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('a', ProxyHeaderParser.MaxV1Length - 14));
        Assert.Equal(ProxyHeaderParser.MaxV1Length, line.Length);
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.TryParse(line, out _, out _));
        Assert.Equal(ProxyParseStatus.Incomplete, ProxyHeaderParser.TryParse(line.AsSpan(0, line.Length - 1), out _, out _));
    }
}
