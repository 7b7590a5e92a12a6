using System.Globalization;
using System.Text;

namespace Sluice.Core.Digests;

// The value of the user.sluice.sha256 extended attribute: which version of the file the digest
// describes and the digest itself, as text so that `getfattr -d` shows it:
//     v1 <size> <mtime in ns since the epoch> <sha-256 in lowercase hex>
// The version is what makes a stored digest trustworthy: an editor, rsync or cp -p that rewrites
// the file without removing the attribute leaves a record whose size or mtime no longer matches,
// and such a record is ignored (a changed file with the same size and mtime is beyond what any
// size+mtime check can see; ETags have the same limit).
public readonly record struct DigestRecord(long Length, long ModifiedUnixNanoseconds, byte[] Sha256)
{
    // "v1 " + 19 + " " + 20 + " " + 64 digits, rounded up.
    public const int MaxBytes = 128;

    public byte[] Format() => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"v1 {Length} {ModifiedUnixNanoseconds} {Convert.ToHexStringLower(Sha256)}"));

    public static bool TryParse(ReadOnlySpan<byte> value, out DigestRecord record)
    {
        record = default;
        if (value.Length > MaxBytes)
        {
            return false;
        }

        Span<char> text = stackalloc char[value.Length];
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] > 0x7e)
            {
                return false;
            }

            text[i] = (char)value[i];
        }

        Span<Range> parts = stackalloc Range[5];
        if (((ReadOnlySpan<char>)text).Split(parts, ' ') != 4 || !text[parts[0]].SequenceEqual("v1")
            || !long.TryParse(text[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out long length)
            || !long.TryParse(text[parts[2]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long modified)
            || text[parts[3]].Length != ReprDigestField.Sha256Length * 2)
        {
            return false;
        }

        byte[] digest = new byte[ReprDigestField.Sha256Length];
        if (Convert.FromHexString(text[parts[3]], digest, out _, out int written) != System.Buffers.OperationStatus.Done || written != digest.Length)
        {
            return false;
        }

        record = new DigestRecord(length, modified, digest);
        return true;
    }
}
