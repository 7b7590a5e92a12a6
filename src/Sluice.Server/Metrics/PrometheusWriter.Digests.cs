using System.Text;
using Sluice.Server.Digests;

namespace Sluice.Server.Metrics;

// Repr-Digest (RFC 9530): digests computed, bytes hashed, cache hits; empty with --no-repr-digest.
public static partial class PrometheusWriter
{
    public static string RenderDigests(ReprDigests? digests)
    {
        if (digests is null)
        {
            return "";
        }

        DigestCounters c = digests.Counters;
        var b = new StringBuilder(1024);
        Header(b, "sluice_digests_computed_total", "counter", "Repr-Digest SHA-256 digests computed by reading a whole file (off the request path).");
        Line(b, "sluice_digests_computed_total", null, c.Computed);
        Header(b, "sluice_digest_bytes_hashed_total", "counter", "File bytes read through SHA-256 for Repr-Digest.");
        Line(b, "sluice_digest_bytes_hashed_total", null, c.BytesHashed);
        Header(b, "sluice_digest_cache_hits_total", "counter", "Responses that wanted a digest and got it from memory.");
        Line(b, "sluice_digest_cache_hits_total", null, c.CacheHits);
        Header(b, "sluice_digest_requests_total", "counter", "Responses that wanted a digest not known yet, answered without it, by what happened (scheduled: queued for the worker; queue_full: not queued).");
        Line(b, "sluice_digest_requests_total", "result=\"scheduled\"", c.Scheduled);
        Line(b, "sluice_digest_requests_total", "result=\"queue_full\"", c.QueueFull);
        Header(b, "sluice_digest_discarded_total", "counter", "Digest computations thrown away: the file changed while it was read, or a read failed.");
        Line(b, "sluice_digest_discarded_total", null, c.Discarded);
        Header(b, "sluice_digest_xattr_total", "counter", "The user.sluice.sha256 attribute, by outcome (hit: matched size and mtime; stale: ignored; written; write_failed).");
        Line(b, "sluice_digest_xattr_total", "result=\"hit\"", c.XattrHits);
        Line(b, "sluice_digest_xattr_total", "result=\"stale\"", c.XattrStale);
        Line(b, "sluice_digest_xattr_total", "result=\"written\"", c.XattrWrites);
        Line(b, "sluice_digest_xattr_total", "result=\"write_failed\"", c.XattrWriteFailures);
        Header(b, "sluice_digest_cache_entries", "gauge", "Digests held in memory.");
        Line(b, "sluice_digest_cache_entries", null, digests.Cache.Count);
        return b.ToString();
    }
}
