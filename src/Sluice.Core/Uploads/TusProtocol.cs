namespace Sluice.Core.Uploads;

// tus 1.0.0 (https://tus.io/protocols/resumable-upload, core + creation + expiration +
// termination): the constants and the field syntax, without I/O. Chosen over the IETF
// resumable-uploads draft because tus 1.0.0 is a finished, stable protocol with many
// interoperable clients (tus-js-client, tusd, Uppy), while the draft still changes its field
// names between revisions.
public static class TusProtocol
{
    public const string Version = "1.0.0";

    public const string Extensions = "creation,expiration,termination";

    public const string OffsetContentType = "application/offset+octet-stream";

    // Upload-Length and Upload-Offset are 1*DIGIT (tus 1.0.0 "non-negative integer"); at most 18
    // digits so the value cannot overflow a long. Signs, spaces inside, lists and empty are refused.
    public static bool TryParseNonNegative(ReadOnlySpan<char> value, out long result)
    {
        result = 0;
        value = value.Trim(" \t");
        if (value.IsEmpty || value.Length > 18)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            result = (result * 10) + (c - '0');
        }

        return true;
    }

    // Tus-Resumable must name the version this server speaks exactly; anything else is 412.
    public static bool IsSupportedVersion(ReadOnlySpan<char> value) => value.Trim(" \t").SequenceEqual(Version);

    // PATCH bodies must be declared as application/offset+octet-stream (tus 1.0.0 §PATCH); the
    // media type is case-insensitive (RFC 9110 §8.3.1) and parameters are not expected.
    public static bool IsOffsetContentType(ReadOnlySpan<char> value)
    {
        value = value.Trim(" \t");
        int semicolon = value.IndexOf(';');
        if (semicolon >= 0)
        {
            value = value[..semicolon].TrimEnd(" \t");
        }

        return value.Equals(OffsetContentType, StringComparison.OrdinalIgnoreCase);
    }
}
