namespace Sluice.Core.Digests;

// The Repr-Digest field value (RFC 9530 §3): a Structured Fields Dictionary whose sha-256 member
// is a Byte Sequence, the base64 of the 32-byte digest between colons (RFC 8941 §3.3.5).
public static class ReprDigestField
{
    public const int Sha256Length = 32;

    public static string FormatSha256(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Sha256Length)
        {
            throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(digest));
        }

        return "sha-256=:" + Convert.ToBase64String(digest) + ":";
    }
}
