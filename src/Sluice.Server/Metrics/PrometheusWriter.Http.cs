using System.Globalization;
using System.Text;

namespace Sluice.Server.Metrics;

// Responses by status class and the request latency histogram, under the names and the histogram
// layout (cumulative _bucket{le}, _sum, _count) that Prometheus dashboards for HTTP servers expect.
public static partial class PrometheusWriter
{
    private static void WriteHttp(StringBuilder b, HttpResponseCounters responses)
    {
        Header(b, "sluice_http_responses_total", "counter", "Responses sent (or begun), by status class; refusals (400, 408, 413, 414, 431, 503) included.");
        for (int hundreds = 1; hundreds <= 5; hundreds++)
        {
            Line(b, "sluice_http_responses_total", $"class=\"{hundreds}xx\"", responses.Class(hundreds));
        }

        // _count can run ahead of the buckets by a response observed while this is read; a
        // scrape is a snapshot of counters, not a transaction, as in every Prometheus client.
        Header(b, "sluice_http_request_duration_seconds", "histogram", "Time from a complete request head to the response's last byte sent (503s at accept are not requests and not counted here).");
        long cumulative = 0;
        for (int i = 0; i < HttpResponseCounters.Buckets.Length; i++)
        {
            cumulative += responses.BucketCount(i);
            Line(b, "sluice_http_request_duration_seconds_bucket", $"le=\"{HttpResponseCounters.Buckets[i].ToString(CultureInfo.InvariantCulture)}\"", cumulative);
        }

        cumulative += responses.BucketCount(HttpResponseCounters.Buckets.Length);
        Line(b, "sluice_http_request_duration_seconds_bucket", "le=\"+Inf\"", cumulative);
        Line(b, "sluice_http_request_duration_seconds_sum", null, responses.SumSeconds);
        Line(b, "sluice_http_request_duration_seconds_count", null, cumulative);
    }
}
