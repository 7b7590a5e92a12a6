using System.Security.Authentication;

namespace Sluice.Server.Tls;

// TLS handshakes and certificate reloads, for /metrics. Failed handshakes (scanners, plain HTTP
// sent to the TLS port, clients that distrust the certificate) are routine on a public port: they
// are counted, and logged at most once per LogInterval so a scan cannot flood the log.
public sealed class TlsCounters
{
    private static readonly long s_logIntervalMs = 10_000;

    private readonly long[] _failures = new long[Enum.GetValues<TlsHandshakeFailure>().Length];
    private long _tls12;
    private long _tls13;
    private long _reloads;
    private long _reloadFailures;
    private long _lastLogged = long.MinValue / 2;

    public long Handshakes(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls12 => Volatile.Read(ref _tls12),
        SslProtocols.Tls13 => Volatile.Read(ref _tls13),
        _ => 0,
    };

    public long Failures(TlsHandshakeFailure kind) => Volatile.Read(ref _failures[(int)kind]);

    public long Reloads => Volatile.Read(ref _reloads);

    public long ReloadFailures => Volatile.Read(ref _reloadFailures);

    public void CountHandshake(SslProtocols protocol)
    {
        if (protocol == SslProtocols.Tls13)
        {
            Interlocked.Increment(ref _tls13);
        }
        else
        {
            Interlocked.Increment(ref _tls12);
        }
    }

    // Returns whether this failure should be logged (the first one in the interval).
    public bool CountFailure(TlsHandshakeFailure kind)
    {
        Interlocked.Increment(ref _failures[(int)kind]);
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _lastLogged);
        return now - last >= s_logIntervalMs && Interlocked.CompareExchange(ref _lastLogged, now, last) == last;
    }

    public void CountReload(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _reloads : ref _reloadFailures);
}
