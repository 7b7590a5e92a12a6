using System.Globalization;
using System.Text;
using Sluice.Cli.Http;
using Sluice.Core.Http;

namespace Sluice.Cli.Get;

// One GET on a kept-alive connection: the request head and the final response head (1xx skipped).
// Every request says `Accept-Encoding: identity`, because ranges and digests must describe the
// bytes that land in the file (a server with precompressed variants would otherwise range over the
// gzip bytes), and `Want-Repr-Digest` (RFC 9530 §4) so a server that can tells the file's SHA-256.
internal static class GetExchange
{
    public static async Task<HttpResponseHead> SendAsync(ClientConnection connection, GetSettings settings, long first, long last, string? ifRange, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        head.Append("GET ").Append(settings.Target.Path).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(settings.Target.Authority).Append("\r\n");
        head.Append("User-Agent: sluice-get\r\n");
        head.Append("Accept-Encoding: identity\r\n");
        head.Append("Want-Repr-Digest: ").Append(ReprDigest.WantSha256).Append("\r\n");
        if (settings.Authorization is not null)
        {
            head.Append("Authorization: ").Append(settings.Authorization).Append("\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Range: bytes={first}-{last}\r\n");
        if (ifRange is not null)
        {
            // RFC 9110 §13.1.5: the range only if the representation is still this one, else a 200
            // with the whole new one (which the caller takes as "changed").
            head.Append("If-Range: ").Append(ifRange).Append("\r\n");
        }

        head.Append("\r\n");
        await connection.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        // A server may send interim (1xx) answers before the final one; a hostile one could send
        // them forever, so only a few are skipped (the connection's read deadline bounds each).
        for (int interim = 0; interim < MaxInterimResponses; interim++)
        {
            HttpResponseHead answer = await connection.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            if (!answer.IsInformational)
            {
                return answer;
            }
        }

        throw new IOException($"more than {MaxInterimResponses} interim (1xx) responses before the final one");
    }

    // A 206 is written in place at its range's offset, so its body must be framed by its
    // Content-Length alone. With Transfer-Encoding too, RFC 9112 §6.3 lets the coding override the
    // length (and says to treat the pair as an error): a hostile or broken server could then send
    // any number of bytes, and they would land past the chunk, over other chunks and past the end.
    private const int MaxInterimResponses = 16;

    public static bool IsFramedByLength(HttpResponseHead head) => !head.HasTransferEncoding && head.ContentLength is not null;

    // The validator for If-Range: a strong ETag, else Last-Modified (RFC 9110 §13.1.5 allows a date
    // there; a weak ETag never matches in If-Range, so it would only restart every resume).
    public static string? ValidatorOf(HttpResponseHead head) =>
        head.ETag is string etag && !etag.StartsWith("W/", StringComparison.Ordinal) ? etag : head.Get("Last-Modified");
}
