using Sluice.Core.Content;
using Sluice.Core.Http;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// The rules of precompressed siblings (nginx gzip_static, Caddy precompressed): which siblings a
// request may receive and which one is usable. FileHandler opens them through its one open path
// (confinement, dotfile and symlink rules, open-file cache) and describes the chosen one as any
// other file body, so the planner and the movers never know a body is encoded.
internal static class PrecompressedVariant
{
    // The codings to try for this request of `relative`, best first; empty means identity.
    // A name that is itself encoded ("a.js.gz") is served as it is: encodings are not stacked,
    // and a direct request for a sibling behaves as without --precompressed.
    public static PreferredCodings Candidates(HttpRequestHead request, ReadOnlySpan<char> relative)
    {
        if (!request.HasAcceptEncoding || IsEncodedName(relative))
        {
            return default;
        }

        return AcceptEncoding.Parse(request.AcceptEncodingBytes).Rank();
    }

    public static bool IsEncodedName(ReadOnlySpan<char> relative) =>
        relative.EndsWith(".br", StringComparison.Ordinal) || relative.EndsWith(".zst", StringComparison.Ordinal) || relative.EndsWith(".gz", StringComparison.Ordinal);

    public static string Suffix(ContentCoding coding) => coding switch
    {
        ContentCoding.Brotli => ".br",
        ContentCoding.Zstd => ".zst",
        ContentCoding.Gzip => ".gz",
        _ => throw new ArgumentOutOfRangeException(nameof(coding)),
    };

    // The Content-Encoding token (RFC 9110 §8.4.1; zstd: RFC 8878 §7.2; br: RFC 7932 §13).
    public static string Token(ContentCoding coding) => coding switch
    {
        ContentCoding.Brotli => "br",
        ContentCoding.Zstd => "zstd",
        ContentCoding.Gzip => "gzip",
        _ => throw new ArgumentOutOfRangeException(nameof(coding)),
    };

    // A regular file at least as new as the original. One older than it was left behind by an
    // edit of the original (the build did not run again): its bytes would be an old version, so
    // it is ignored and the original is sent. Equal mtimes are fine: gzip -k and brotli keep the
    // original's mtime on the file they write.
    public static bool IsUsable(in FileMetadata sibling, in FileMetadata original) =>
        sibling.IsRegularFile && sibling.ModifiedUnixNanoseconds >= original.ModifiedUnixNanoseconds;

    // RFC 9110 §8.8.3: each representation needs its own strong validator. The sibling's tag is
    // already distinct from the original's (its own inode, size and mtime); the suffix keeps it
    // distinct from a direct request for the sibling (a different representation: no
    // Content-Encoding), whatever the tag is derived from.
    public static string ETagOf(string siblingETag, ContentCoding coding)
    {
        ReadOnlySpan<char> tag = siblingETag;
        return tag.EndsWith('"')
            ? string.Concat(tag[..^1], "-", Token(coding), "\"")
            : siblingETag;
    }
}
