using System.Security.Authentication;
using System.Text;
using Sluice.Interop.Pal;
using Sluice.Server.Tls;

namespace Sluice.Server.Metrics;

// TLS handshakes, failures and certificate reloads; empty when the server speaks plain HTTP.
// (Bodies sent over TLS show in sluice_decisions_total{reason="tls"}.)
public static partial class PrometheusWriter
{
    public static string RenderTls(TlsCounters? counters, KernelTlsStatus? kernelTls)
    {
        if (counters is null)
        {
            return "";
        }

        var b = new StringBuilder(1024);
        Header(b, "sluice_tls_handshakes_total", "counter", "TLS handshakes completed, by protocol version.");
        Line(b, "sluice_tls_handshakes_total", "version=\"1.2\"", counters.Handshakes(SslProtocols.Tls12));
        Line(b, "sluice_tls_handshakes_total", "version=\"1.3\"", counters.Handshakes(SslProtocols.Tls13));
        Header(b, "sluice_tls_handshake_failures_total", "counter", "TLS handshakes that failed, by reason (timeout: nothing within the header timeout; protocol: not TLS or no common parameters; closed: the client went away).");
        foreach (TlsHandshakeFailure kind in Enum.GetValues<TlsHandshakeFailure>())
        {
            Line(b, "sluice_tls_handshake_failures_total", $"reason=\"{kind.ToString().ToLowerInvariant()}\"", counters.Failures(kind));
        }

        Header(b, "sluice_tls_certificate_reloads_total", "counter", "Certificate reloads (SIGHUP), by result; a failed one keeps the previous certificate.");
        Line(b, "sluice_tls_certificate_reloads_total", "result=\"ok\"", counters.Reloads);
        Line(b, "sluice_tls_certificate_reloads_total", "result=\"failed\"", counters.ReloadFailures);
        Header(b, "sluice_tls_kernel_available", "gauge", "1 when the kernel accepted TCP_ULP \"tls\" at start (kernel TLS is detected, not used).");
        Line(b, "sluice_tls_kernel_available", null, kernelTls == KernelTlsStatus.Available ? 1 : 0);
        return b.ToString();
    }
}
