namespace Sluice.Core.Http;

// Repr-Digest (RFC 9530 §3): a digest of the whole selected representation, the same in a 200 and
// in every 206 for it, so a client that fetched the parts by ranges can verify the assembled file.
// The field is a Structured Fields dictionary (RFC 8941 §3.2) of algorithm = byte sequence
// (":BASE64:"), e.g. `sha-256=:X48E9q...=:, sha-512=:...:`. Only what a downloader needs is parsed:
// the member for one algorithm; members with parameters or of another type are skipped, and a
// malformed byte sequence for the wanted algorithm counts as absent (nothing to verify against).
public static class ReprDigest
{
    public const string FieldName = "Repr-Digest";

    // What a client sends to ask for it (RFC 9530 §4): sha-256, with a preference of 10 (the highest).
    public const string WantSha256 = "sha-256=10";

    public static byte[]? Find(string? fieldValue, string algorithm)
    {
        if (fieldValue is null)
        {
            return null;
        }

        foreach (string member in fieldValue.Split(','))
        {
            int equals = member.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !member[..equals].Trim().Equals(algorithm, StringComparison.Ordinal))
            {
                continue;
            }

            string value = member[(equals + 1)..].Trim();
            int semicolon = value.IndexOf(';', StringComparison.Ordinal);
            if (semicolon >= 0)
            {
                value = value[..semicolon].TrimEnd(); // parameters do not change the bytes
            }

            if (value.Length < 2 || value[0] != ':' || value[^1] != ':')
            {
                return null;
            }

            try
            {
                return Convert.FromBase64String(value[1..^1]);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    public static byte[]? Sha256(string? fieldValue) => Find(fieldValue, "sha-256") is { Length: 32 } digest ? digest : null;
}
