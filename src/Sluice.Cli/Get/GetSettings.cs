using System.Security.Cryptography.X509Certificates;
using Sluice.Cli.Put;

namespace Sluice.Cli.Get;

internal sealed record GetSettings(
    PutTarget Target,
    string Output,
    string? Authorization,
    X509Certificate2Collection? TrustedRoots,
    int Retries,
    TimeSpan IdleTimeout,
    int Connections,
    long ChunkSize,
    byte[]? ExpectedSha256)
{
    public string PartFile => Output + ".part";
}
