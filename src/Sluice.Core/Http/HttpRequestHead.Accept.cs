namespace Sluice.Core.Http;

// Accept (RFC 9110 §12.5.1): only a directory listing negotiates on it (HTML or JSON), so its
// bytes are retained and parsed only there.
public sealed partial class HttpRequestHead
{
    private RetainedField _accept;

    public bool HasAccept => _accept.HasValue;

    public ReadOnlySpan<byte> AcceptBytes => _accept.Bytes;

    // RFC 9110 §5.3: repeated list-based fields combine with commas.
    private void OnAccept(ReadOnlySpan<byte> value) =>
        _accept.Set(_accept.HasValue ? [.. _accept.Bytes, (byte)',', .. value] : value);
}
