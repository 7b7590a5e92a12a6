using Sluice.Core.Digests;
using Sluice.Core.Http;
using Sluice.Server.Digests;

namespace Sluice.Server.Files;

public sealed partial class FileHandler
{
    // Repr-Digest (RFC 9530) when the client sends Want-Repr-Digest; null: digests are off.
    // Set once at start, before the first request.
    public ReprDigests? ReprDigests { get; set; }

    // The field value for the file about to be served (the selected representation: the
    // precompressed sibling when that is what goes out, since Content-Encoding changes the
    // representation, RFC 9530 §3), or null when unwanted or not known yet (then it is queued).
    // The digest is of the whole representation, also on a 206.
    private string? ReprDigestFor(HttpRequestHead request, in FileRef file) =>
        ReprDigests is { } digests && request.HasWantReprDigest && WantReprDigest.WantsSha256(request.WantReprDigestBytes)
            ? digests.TryGetOrSchedule(file)
            : null;
}
