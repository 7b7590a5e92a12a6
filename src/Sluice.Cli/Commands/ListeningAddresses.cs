using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Sluice.Cli.Commands;

// What to tell a user who listens on every interface (--host 0.0.0.0 or ::): "0.0.0.0" is not an
// address anyone can type into a browser, so list the machine's own addresses, as Python's
// http.server and Vite do. A specific --host is already named by the "serving" line.
internal static class ListeningAddresses
{
    public static IEnumerable<string> Describe(IPEndPoint listening)
    {
        bool any = listening.Address.Equals(IPAddress.Any) || listening.Address.Equals(IPAddress.IPv6Any);
        if (!any)
        {
            return [];
        }

        var urls = new List<string>();
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return urls;
        }

        foreach (NetworkInterface nic in interfaces)
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }

            foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
            {
                IPAddress address = unicast.Address;
                bool family = listening.AddressFamily == AddressFamily.InterNetworkV6 || address.AddressFamily == AddressFamily.InterNetwork;
                if (family && !address.IsIPv6LinkLocal)
                {
                    urls.Add($"http://{new IPEndPoint(address, listening.Port)}/ ({nic.Name})");
                }
            }
        }

        return urls;
    }
}
