namespace Sluice.Core.Http;

// Want-Repr-Digest (RFC 9530 §4), kept as bytes like Accept-Encoding: only a server that offers
// digests parses it (Sluice.Core.Digests.WantReprDigest), so other requests pay one copy at most.
public sealed partial class HttpRequestHead
{
    private RetainedField _wantReprDigest;

    public bool HasWantReprDigest => _wantReprDigest.HasValue;

    // Repeated field lines joined by commas (RFC 9110 §5.3; a Dictionary combines that way, RFC 8941 §3.2).
    public ReadOnlySpan<byte> WantReprDigestBytes => _wantReprDigest.Bytes;

    private void ResetDigestFields() => _wantReprDigest.Clear();

    private void OnWantReprDigest(ReadOnlySpan<byte> value) =>
        _wantReprDigest.Set(_wantReprDigest.HasValue ? [.. _wantReprDigest.Bytes, (byte)',', .. value] : value);
}
