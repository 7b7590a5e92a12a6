using System.Net;

namespace Sluice.Core.Proxy;

// The --trusted-proxy networks: the peers whose PROXY header and X-Forwarded-For are believed.
// Addresses are compared in their IPv4 form when a dual-stack socket reports them IPv4-mapped
// (::ffff:10.0.0.1), so "10.0.0.0/8" means the same on an IPv4 and an IPv6 listener.
public sealed class TrustedProxies
{
    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks)
    {
        _networks = networks;
    }

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    // "10.0.0.0/8", "fd00::/64", or a single address (a /32 or /128). The base address must have
    // no bits set beyond the prefix ("10.0.0.1/8" is refused: it is most likely a typo).
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            // IPNetwork.TryParse masks host bits away; refuse them instead of guessing the intent.
            return IPNetwork.TryParse(text, out network) && IPAddress.TryParse(text.AsSpan(0, slash), out IPAddress? written)
                && written.Equals(network.BaseAddress);
        }

        if (IPAddress.TryParse(text, out IPAddress? address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }

    public static TrustedProxies Parse(IEnumerable<string> networks)
    {
        var parsed = new List<IPNetwork>();
        foreach (string text in networks)
        {
            if (!TryParseNetwork(text, out IPNetwork network))
            {
                throw new FormatException($"'{text}' is not an address or CIDR network");
            }

            parsed.Add(network);
        }

        return new TrustedProxies([.. parsed]);
    }

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        foreach (IPNetwork network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
