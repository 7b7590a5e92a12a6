using System.Buffers.Text;

namespace Sluice.Core.Uploads;

// tus 1.0.0 Upload-Metadata: "key value,key value,key" — keys are unique, contain no space or
// comma, and values are base64 (RFC 4648 §4, the standard alphabet with padding). A key without a
// value is allowed by the protocol (an empty value). Limits keep one request from making the server
// hold much: the whole field, the number of pairs and each decoded value are bounded.
// Strictness: decoding is canonical (padding required, non-zero pad bits and whitespace refused —
// the "YR==" case in the tests), so a value has one spelling.
public sealed class UploadMetadata
{
    public const int MaxFieldLength = 4096;
    public const int MaxPairs = 32;
    public const int MaxValueBytes = 1024;

    private readonly Dictionary<string, byte[]> _pairs;

    private UploadMetadata(Dictionary<string, byte[]> pairs) => _pairs = pairs;

    public static UploadMetadata Empty { get; } = new(new Dictionary<string, byte[]>(StringComparer.Ordinal));

    public int Count => _pairs.Count;

    public bool TryGetValue(string key, out byte[] value) => _pairs.TryGetValue(key, out value!);

    public static MetadataRejection TryParse(ReadOnlySpan<char> field, out UploadMetadata metadata)
    {
        metadata = Empty;
        if (field.Length > MaxFieldLength)
        {
            return MetadataRejection.TooLong;
        }

        // RFC 9110 §5.5: surrounding whitespace of a field value is not part of it.
        field = field.Trim(" \t");
        var pairs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (field.IsEmpty)
        {
            metadata = new UploadMetadata(pairs);
            return MetadataRejection.None;
        }

        foreach (Range range in field.Split(','))
        {
            // Clients (tus-js-client) write "a x,b y"; optional whitespace after the comma is tolerated.
            ReadOnlySpan<char> pair = field[range].TrimStart(" \t");
            if (pair.IsEmpty)
            {
                return MetadataRejection.MalformedPair;
            }

            int space = pair.IndexOf(' ');
            ReadOnlySpan<char> key = space < 0 ? pair : pair[..space];
            ReadOnlySpan<char> encoded = space < 0 ? [] : pair[(space + 1)..].TrimEnd(" \t");
            if (key.IsEmpty || encoded.Contains(' '))
            {
                return MetadataRejection.MalformedPair;
            }

            if (!IsValidKey(key))
            {
                return MetadataRejection.InvalidKey;
            }

            if (pairs.Count == MaxPairs)
            {
                return MetadataRejection.TooManyPairs;
            }

            if (!TryDecode(encoded, out byte[] value))
            {
                return MetadataRejection.InvalidValue;
            }

            if (!pairs.TryAdd(key.ToString(), value))
            {
                return MetadataRejection.DuplicateKey;
            }
        }

        metadata = new UploadMetadata(pairs);
        return MetadataRejection.None;
    }

    private static bool IsValidKey(ReadOnlySpan<char> key)
    {
        foreach (char c in key)
        {
            if (c is <= ' ' or > '~' or ',')
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryDecode(ReadOnlySpan<char> encoded, out byte[] value)
    {
        value = [];
        if (encoded.IsEmpty)
        {
            return true;
        }

        // Base64.IsValid accepts whitespace inside; the split above already refused spaces, and
        // tabs/CR/LF cannot reach here through the request parser, but refuse them explicitly.
        if (encoded.ContainsAny("\t\r\n") || encoded.Length % 4 != 0 || !Base64.IsValid(encoded, out int decodedLength))
        {
            return false;
        }

        if (decodedLength > MaxValueBytes)
        {
            return false;
        }

        value = new byte[decodedLength];
        return Convert.TryFromBase64Chars(encoded, value, out int written) && written == decodedLength;
    }
}
