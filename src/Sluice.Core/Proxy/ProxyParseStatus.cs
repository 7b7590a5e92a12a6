namespace Sluice.Core.Proxy;

public enum ProxyParseStatus : byte
{
    // More bytes are needed to tell (a strict prefix of a signature or of a header).
    Incomplete,
    Complete,
    Invalid,
    // The input does not start with a PROXY signature: it is the HTTP request itself.
    NotPresent,
}
