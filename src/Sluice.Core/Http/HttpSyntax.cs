using System.Buffers;

namespace Sluice.Core.Http;

// Byte classes of RFC 9110 §5.6.2 (tchar) and §5.5 (field-value) shared by the chunked decoder and
// the response-head parser (the request parser keeps its own copies, untouched).
internal static class HttpSyntax
{
    public static readonly SearchValues<byte> Tchar =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // field-value: VCHAR / obs-text / SP / HTAB. Everything else (CTLs, CR, LF, DEL) is refused.
    public static bool IsFieldValueByte(byte b) => b == (byte)'\t' || (b >= 0x20 && b != 0x7F);

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';
}
