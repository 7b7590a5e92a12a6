namespace Sluice.Server.Hosting;

// GET/HEAD /-/health: what a load balancer's health check asks (HAProxy `option httpchk GET
// /-/health`, deploy/haproxy.cfg). It answers from memory only — no stat, no open, no disk
// engine — so a check measures whether the process accepts and answers, and a node whose disk is
// slow is not marked down for it (the requests that need the disk show that). It shares the /-/
// namespace with tus (/-/uploads/) and, like it, shadows a served file at that path. It is
// answered before access control: a balancer sends no credentials, and "ok" tells nothing about
// the tree. A stopping server (SIGTERM) closes its main listener at once, so checks there are
// refused; the metrics listener stays open while transfers drain and answers 503 there (and on
// any request still arriving on an open connection), so a balancer that checks the metrics port
// takes the node out for the whole drain.
public static class HealthEndpoint
{
    public const string Path = "/-/health";

    public static ReadOnlySpan<byte> OkBody => "ok\n"u8;

    public static ReadOnlySpan<byte> StoppingBody => "stopping\n"u8;

    // The path exactly; a query is ignored (some checkers add a cache-buster).
    public static bool Matches(ReadOnlySpan<byte> target)
    {
        int query = target.IndexOf((byte)'?');
        return (query >= 0 ? target[..query] : target).SequenceEqual("/-/health"u8);
    }
}
