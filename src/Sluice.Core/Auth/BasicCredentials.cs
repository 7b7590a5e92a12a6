using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace Sluice.Core.Auth;

// The "Basic" scheme of RFC 7617: credentials = "Basic" 1*SP token68, where token68 is the base64
// of user-id ":" password. The server announces charset="UTF-8" (§2.1), so the decoded bytes must
// be strict UTF-8; the user-id ends at the first ':' (a user-id cannot contain one, a password can),
// and neither may contain control characters (§2). Anything else is malformed, never guessed at.
public static class BasicCredentials
{
    // Base64 of a few hundred bytes is plenty for a user and a password; a larger token is refused
    // before decoding (the head limit bounds it anyway, this keeps the decode on the stack).
    public const int MaxTokenBytes = 1024;

    // Base64's alphabet and padding. Base64.DecodeFromUtf8 skips white space inside the token,
    // which token68 does not allow: checked first.
    private static readonly System.Buffers.SearchValues<byte> s_base64 = System.Buffers.SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    public static bool TryParse(ReadOnlySpan<byte> fieldValue, out string user, out string password)
    {
        user = password = "";
        ReadOnlySpan<byte> value = fieldValue.Trim(" \t"u8);
        // RFC 9110 §11.1: the auth-scheme is case-insensitive.
        if (value.Length < 6 || !Ascii.EqualsIgnoreCase(value[..5], "Basic"u8) || value[5] != (byte)' ')
        {
            return false;
        }

        ReadOnlySpan<byte> token = value[6..].TrimStart((byte)' ');
        if (token.IsEmpty || token.Length > MaxTokenBytes || token.IndexOfAnyExcept(s_base64) >= 0)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[Base64.GetMaxDecodedFromUtf8Length(MaxTokenBytes)];
        if (Base64.DecodeFromUtf8(token, decoded, out int consumed, out int written) != System.Buffers.OperationStatus.Done || consumed != token.Length)
        {
            return false;
        }

        decoded = decoded[..written];
        int colon = decoded.IndexOf((byte)':');
        if (colon < 0 || !Utf8.IsValid(decoded) || HasControl(decoded))
        {
            return false;
        }

        user = Encoding.UTF8.GetString(decoded[..colon]);
        password = Encoding.UTF8.GetString(decoded[(colon + 1)..]);
        return true;
    }

    public static string Format(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    // CTL = %x00-1F / %x7F (RFC 5234 B.1), as RFC 7617 §2 forbids them in both parts.
    private static bool HasControl(ReadOnlySpan<byte> bytes) =>
        bytes.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || bytes.IndexOf((byte)0x7F) >= 0;
}
