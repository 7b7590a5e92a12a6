namespace Sluice.Core.Content;

// The content codings a precompressed sibling can carry (RFC 9110 §8.4.1), in the server's order
// of preference after Identity: brotli compresses static text best, zstd is close and decodes
// fastest, gzip is what every client understands.
public enum ContentCoding : byte
{
    Identity,
    Brotli,
    Zstd,
    Gzip,
}
