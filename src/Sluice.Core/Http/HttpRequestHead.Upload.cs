using System.Text;

namespace Sluice.Core.Http;

// The fields that only resumable uploads (tus 1.0.0) act on. Kept as strings made only when the
// field is present, so a download request pays nothing for them.
public sealed partial class HttpRequestHead
{
    public string? TusResumable { get; private set; }

    public string? UploadLength { get; private set; }

    public string? UploadOffset { get; private set; }

    public string? UploadMetadata { get; private set; }

    public string? RequestContentType { get; private set; }

    // RFC 9110 §14.5: a PUT with Content-Range is partial content sent as if whole; it must be
    // refused (400), never stored as the full representation.
    public bool HasContentRange { get; private set; }

    // A repeated tus field is ambiguous (none of them is a list): refused, like a repeated Authorization.
    public bool UploadFieldRepeated { get; private set; }

    private void ResetUploadFields()
    {
        TusResumable = UploadLength = UploadOffset = UploadMetadata = RequestContentType = null;
        UploadFieldRepeated = false;
        HasContentRange = false;
    }

    private void OnUploadField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        switch (name.Length)
        {
            case 12 when Ascii.EqualsIgnoreCase(name, "content-type"u8):
                RequestContentType = Set(RequestContentType, value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "tus-resumable"u8):
                TusResumable = Set(TusResumable, value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "upload-length"u8):
                UploadLength = Set(UploadLength, value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "content-range"u8):
                HasContentRange = true;
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "upload-offset"u8):
                UploadOffset = Set(UploadOffset, value);
                break;
            case 15 when Ascii.EqualsIgnoreCase(name, "upload-metadata"u8):
                UploadMetadata = Set(UploadMetadata, value);
                break;
        }
    }

    private string Set(string? existing, ReadOnlySpan<byte> value)
    {
        if (existing is not null)
        {
            UploadFieldRepeated = true;
        }

        return Encoding.Latin1.GetString(value);
    }
}
