using System.Net;

namespace Sluice.Core.Proxy;

// What a PROXY protocol header said. Source is null when the header carries no client address
// (v2 LOCAL — the proxy's own health check —, AF_UNSPEC or AF_UNIX, v1 UNKNOWN): the spec tells
// the receiver to use the connection's real endpoints then.
public readonly record struct ProxyHeader(int Version, IPAddress? Source, int SourcePort, IPAddress? Destination, int DestinationPort);
