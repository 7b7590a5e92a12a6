using Sluice.Core.Dates;
using Sluice.Core.Responses;
using Sluice.Server.Files;

namespace Sluice.Server.Connections;

// Turns a response plan into the bytes of the response head (RFC 9112 §4, RFC 9110 fields).
public static class ResponseHeadBuilder
{
    // Returns the head length, or -1 when destination is too small.
    public static int Write(ResponsePlan plan, bool keepAlive, bool http10, Span<byte> destination)
    {
        var w = new ResponseHeadWriter(destination);
        w.StatusLine(plan.Status);
        w.Field("Server"u8, "sluice"u8);
        w.Field("Date"u8, DateHeaderValue.Current);
        if (plan.ContentType is not null)
        {
            w.Field("Content-Type"u8, plan.ContentType);
        }

        // RFC 9110 §8.6: no Content-Length in a 304 (it would describe the selected representation),
        // nor in a 204 (§8.6: MUST NOT).
        if (plan.Status is not (304 or 204) && plan.Archive is null)
        {
            w.Field("Content-Length"u8, plan.ContentLength);
        }

        if (plan.LastModified is DateTimeOffset lastModified)
        {
            Span<byte> date = stackalloc byte[29];
            HttpDate.Format(lastModified, date);
            w.Field("Last-Modified"u8, date);
        }

        if (plan.ETag is not null)
        {
            w.Field("ETag"u8, plan.ETag);
        }

        if (plan.AcceptRanges)
        {
            w.Field("Accept-Ranges"u8, "bytes"u8);
        }

        if (plan.HasContentRange)
        {
            w.ContentRange(plan.RangeFirst, plan.RangeLast, plan.CompleteLength);
        }
        else if (plan.UnsatisfiedCompleteLength is long complete)
        {
            w.UnsatisfiedContentRange(complete);
        }

        if (plan.Location is not null)
        {
            w.Field("Location"u8, plan.Location);
        }

        if (plan.AllowGetHead)
        {
            w.Field("Allow"u8, "GET, HEAD"u8);
        }

        if (plan.Allow is not null)
        {
            w.Field("Allow"u8, plan.Allow);
        }

        if (plan.RetryAfterSeconds > 0)
        {
            w.Field("Retry-After"u8, plan.RetryAfterSeconds);
        }

        if (plan.WwwAuthenticate is not null)
        {
            w.Field("WWW-Authenticate"u8, plan.WwwAuthenticate);
        }

        if (plan.ContentEncoding is not null)
        {
            w.Field("Content-Encoding"u8, plan.ContentEncoding);
        }

        if (plan.VaryAcceptEncoding)
        {
            w.Field("Vary"u8, "Accept-Encoding"u8);
        }

        if (plan.ReprDigest is not null)
        {
            w.Field("Repr-Digest"u8, plan.ReprDigest);
        }

        // A second Vary line is the same as one list (RFC 9110 §5.3).
        if (plan.VaryAccept)
        {
            w.Field("Vary"u8, "Accept"u8);
        }

        // tus 1.0.0 fields (resumable uploads): Tus-Resumable, Upload-Offset, Upload-Expires …
        if (plan.Tus.Active)
        {
            plan.Tus.Write(ref w);
        }

        // A folder archive: its length is not known before the walk (RFC 9112 §6.1 chunked, or
        // close-delimited for HTTP/1.0), it is a download, and it has no ranges or validators.
        if (plan.Archive is { } archive)
        {
            if (archive.Chunked)
            {
                w.Field("Transfer-Encoding"u8, "chunked"u8);
            }

            w.Field("Content-Disposition"u8, archive.ContentDisposition);
            w.Field("Accept-Ranges"u8, "none"u8);
        }

        // Every response: browsers must not guess a script or a page out of a served file whose
        // type we named (an uploaded .txt holding HTML, say).
        w.Field("X-Content-Type-Options"u8, "nosniff"u8);
        if (plan.ContentSecurityPolicy is not null)
        {
            w.Field("Content-Security-Policy"u8, plan.ContentSecurityPolicy);
        }

        if (!keepAlive)
        {
            w.Field("Connection"u8, "close"u8);
        }
        else if (http10)
        {
            w.Field("Connection"u8, "keep-alive"u8);
        }

        w.End();
        return w.Overflowed ? -1 : w.Length;
    }
}
