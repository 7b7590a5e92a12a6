using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace Sluice.Core.Proxy;

// The PROXY protocol header a load balancer puts in front of the client's bytes
// (haproxy.org/download/3.0/doc/proxy-protocol.txt): version 2 is binary — a 12-byte signature,
// version/command, family/transport, a 16-bit length, the addresses and optional TLVs (skipped);
// version 1 is one text line of at most 107 bytes, "PROXY TCP4 src dst sport dport\r\n".
// Pure and resumable like the request parser: it consumes nothing and reports Incomplete until
// the whole header is there, so the caller can feed it every prefix. Whether a peer may send one
// at all is the caller's decision (only --trusted-proxy peers).
public static class ProxyHeaderParser
{
    // v2 signature: chosen by the spec so that it can never begin a valid HTTP (or other text) request.
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    // The spec's worst case: "PROXY UNKNOWN ffff:…:ffff ffff:…:ffff 65535 65535\r\n".
    public const int MaxV1Length = 107;

    private const int V2FixedLength = 16;

    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> input, out ProxyHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (StartsWithOrIsPrefixOf(input, V2Signature, out bool v2Complete))
        {
            return v2Complete ? ParseV2(input, out header, out consumed) : ProxyParseStatus.Incomplete;
        }

        if (StartsWithOrIsPrefixOf(input, V1Signature, out bool v1Complete))
        {
            return v1Complete ? ParseV1(input, out header, out consumed) : ProxyParseStatus.Incomplete;
        }

        return ProxyParseStatus.NotPresent;
    }

    // True when input starts with signature (complete) or is a non-empty strict prefix of it;
    // an empty input is a prefix of both and so Incomplete.
    private static bool StartsWithOrIsPrefixOf(ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature, out bool complete)
    {
        complete = input.Length >= signature.Length;
        return complete ? input.StartsWith(signature) : signature.StartsWith(input);
    }

    private static ProxyParseStatus ParseV2(ReadOnlySpan<byte> input, out ProxyHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (input.Length < V2FixedLength)
        {
            return ProxyParseStatus.Incomplete;
        }

        int versionCommand = input[12];
        int familyTransport = input[13];
        int length = BinaryPrimitives.ReadUInt16BigEndian(input[14..]);
        int command = versionCommand & 0x0F;
        if (versionCommand >> 4 != 2 || command > 1)
        {
            return ProxyParseStatus.Invalid;
        }

        int family = familyTransport >> 4;
        int transport = familyTransport & 0x0F;
        int addressLength = family switch
        {
            0 => 0,    // AF_UNSPEC
            1 => 12,   // AF_INET: 4 + 4 + 2 + 2
            2 => 36,   // AF_INET6: 16 + 16 + 2 + 2
            3 => 216,  // AF_UNIX: 108 + 108
            _ => -1,
        };
        if (addressLength < 0 || transport > 2 || length < addressLength)
        {
            return ProxyParseStatus.Invalid;
        }

        if (input.Length < V2FixedLength + length)
        {
            return ProxyParseStatus.Incomplete;
        }

        consumed = V2FixedLength + length;
        // LOCAL: the proxy speaks for itself (health checks); the address block must be ignored.
        if (command == 0 || family is 0 or 3)
        {
            header = new ProxyHeader(2, null, 0, null, 0);
            return ProxyParseStatus.Complete;
        }

        // An HTTP connection is a stream: a PROXY header announcing UDP (or nothing) for it is a lie.
        if (transport != 1)
        {
            consumed = 0;
            return ProxyParseStatus.Invalid;
        }

        ReadOnlySpan<byte> block = input.Slice(V2FixedLength, addressLength);
        int size = family == 1 ? 4 : 16;
        var source = new IPAddress(block[..size]);
        var destination = new IPAddress(block.Slice(size, size));
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]);
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[((2 * size) + 2)..]);
        header = new ProxyHeader(2, source, sourcePort, destination, destinationPort);
        return ProxyParseStatus.Complete;
    }

    private static ProxyParseStatus ParseV1(ReadOnlySpan<byte> input, out ProxyHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        ReadOnlySpan<byte> window = input[..Math.Min(input.Length, MaxV1Length)];
        int crlf = window.IndexOf("\r\n"u8);
        if (crlf < 0)
        {
            return input.Length >= MaxV1Length ? ProxyParseStatus.Invalid : ProxyParseStatus.Incomplete;
        }

        // Only visible ASCII and single spaces: anything else is not a header a proxy sent.
        ReadOnlySpan<byte> line = input[V1Signature.Length..crlf];
        if (line.IndexOfAnyExceptInRange((byte)' ', (byte)'~') >= 0)
        {
            return ProxyParseStatus.Invalid;
        }

        string text = Encoding.ASCII.GetString(line);
        if (text == "UNKNOWN" || text.StartsWith("UNKNOWN ", StringComparison.Ordinal))
        {
            consumed = crlf + 2;
            header = new ProxyHeader(1, null, 0, null, 0);
            return ProxyParseStatus.Complete;
        }

        string[] parts = text.Split(' ');
        if (parts.Length != 5 || parts[0] is not ("TCP4" or "TCP6"))
        {
            return ProxyParseStatus.Invalid;
        }

        bool v4 = parts[0] == "TCP4";
        if (!TryParseAddress(parts[1], v4, out IPAddress? source) || !TryParseAddress(parts[2], v4, out IPAddress? destination)
            || !TryParsePort(parts[3], out int sourcePort) || !TryParsePort(parts[4], out int destinationPort))
        {
            return ProxyParseStatus.Invalid;
        }

        consumed = crlf + 2;
        header = new ProxyHeader(1, source, sourcePort, destination, destinationPort);
        return ProxyParseStatus.Complete;
    }

    private static bool TryParseAddress(string text, bool v4, out IPAddress? address)
    {
        // IPAddress.TryParse also takes "[::1]", "1" or "0x7f.1"; the spec's forms are plain dotted
        // quads and RFC 4291 text, so the characters are checked first.
        bool plain = v4
            ? text.AsSpan().IndexOfAnyExcept("0123456789.") < 0 && text.AsSpan().Count('.') == 3
            : text.AsSpan().IndexOfAnyExcept("0123456789abcdefABCDEF:.") < 0;
        return IPAddress.TryParse(text, out address) && plain
            && address.AddressFamily == (v4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6);
    }

    // The spec: a decimal 0..65535 without leading zeroes.
    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }
}
