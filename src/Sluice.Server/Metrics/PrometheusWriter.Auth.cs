using System.Text;

namespace Sluice.Server.Metrics;

public static partial class PrometheusWriter
{
    private static void WriteAuth(StringBuilder b, AuthCounters auth)
    {
        Header(b, "sluice_auth_requests_total", "counter", "Requests by access-control outcome (401 challenged: no credentials; 401 failed: wrong ones; 429 rate_limited).");
        Line(b, "sluice_auth_requests_total", "outcome=\"public\"", auth.PublicRequests);
        Line(b, "sluice_auth_requests_total", "outcome=\"cached\"", auth.CacheHits);
        Line(b, "sluice_auth_requests_total", "outcome=\"verified\"", auth.Verified);
        Line(b, "sluice_auth_requests_total", "outcome=\"challenged\"", auth.Challenged);
        Line(b, "sluice_auth_requests_total", "outcome=\"failed\"", auth.Failed);
        Line(b, "sluice_auth_requests_total", "outcome=\"rate_limited\"", auth.RateLimited);
        Header(b, "sluice_auth_failures_total", "counter", "Failed authentication attempts (wrong user, wrong password, malformed credentials).");
        Line(b, "sluice_auth_failures_total", null, auth.Failed);
    }
}
