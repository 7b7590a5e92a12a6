using System.IO.Compression;
using Sluice.Core.Content;
using Sluice.Core.Http;

namespace Sluice.Server.Files;

// Listings are generated text (HTML or JSON, 5–10× smaller compressed), so they are compressed
// when the client accepts brotli or gzip — once per cached page (ListingCache keeps the forms).
// zstd is not offered here: .NET has no zstd encoder, and every client that sends zstd also
// sends br or gzip.
internal static class ListingCompression
{
    public static ContentCoding Choose(HttpRequestHead request)
    {
        if (!request.HasAcceptEncoding)
        {
            return ContentCoding.Identity;
        }

        PreferredCodings ranked = AcceptEncoding.Parse(request.AcceptEncodingBytes).Rank();
        for (int i = 0; i < ranked.Count; i++)
        {
            if (ranked[i] is ContentCoding.Brotli or ContentCoding.Gzip)
            {
                return ranked[i];
            }
        }

        return ContentCoding.Identity;
    }

    public static byte[] Compress(byte[] body, ContentCoding coding)
    {
        var output = new MemoryStream(body.Length / 4 + 64);
        // Optimal: brotli quality 4 and gzip level 6 cost well under a millisecond for a 100 KiB
        // page, and the result is served from the cache until the directory changes.
        using (Stream compressor = coding == ContentCoding.Brotli
            ? new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true)
            : new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(body);
        }

        return output.ToArray();
    }
}
