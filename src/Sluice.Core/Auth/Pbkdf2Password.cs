using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Core.Auth;

// PBKDF2-HMAC-SHA256 from the BCL, stored as $pbkdf2-sha256$ITERATIONS$SALT$HASH with the layout
// and "adapted base64" of passlib's pbkdf2_sha256 (standard base64, '.' for '+', no padding), so
// the string holds no character that is special in an htpasswd line or a shell word. Standard
// base64 ('+', '=') is accepted on input as well.
public static class Pbkdf2Password
{
    public const string Prefix = "$pbkdf2-sha256$";

    // OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    public const int DefaultIterations = 600_000;

    // Below this a stolen file is cheap to attack; such hashes are refused at load.
    public const int MinIterations = 100_000;

    // Iterations beyond this would make one verification take minutes: a typo, refused.
    public const int MaxIterations = 100_000_000;

    public const int SaltBytes = 16;

    public const int HashBytes = 32;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        return Create(password, iterations, salt);
    }

    public static string Create(string password, int iterations, ReadOnlySpan<byte> salt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        byte[] derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{iterations}${ToAdaptedBase64(salt)}${ToAdaptedBase64(derived)}");
    }

    // Constant time in the comparison (CryptographicOperations.FixedTimeEquals): how many leading
    // bytes match never shows in the timing.
    public static bool Verify(string password, PasswordHash hash)
    {
        if (hash.Kind != PasswordHashKind.Pbkdf2Sha256)
        {
            throw new ArgumentException("not a PBKDF2 hash", nameof(hash));
        }

        byte[] derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), hash.Salt, hash.Iterations, HashAlgorithmName.SHA256, hash.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(derived, hash.Hash);
    }

    internal static bool TryDecode(string encoded, out int iterations, out byte[] salt, out byte[] hash, out string error)
    {
        iterations = 0;
        salt = hash = [];
        string[] parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3)
        {
            error = "malformed PBKDF2 hash (expected $pbkdf2-sha256$ITERATIONS$SALT$HASH)";
            return false;
        }

        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out iterations))
        {
            error = "malformed PBKDF2 hash (iterations are not a number)";
            return false;
        }

        if (iterations is < MinIterations or > MaxIterations)
        {
            error = $"PBKDF2 iterations {iterations} are outside {MinIterations}..{MaxIterations}";
            return false;
        }

        if (!TryFromAdaptedBase64(parts[1], out salt) || salt.Length < 8)
        {
            error = "malformed PBKDF2 hash (salt is not base64 of at least 8 bytes)";
            return false;
        }

        if (!TryFromAdaptedBase64(parts[2], out hash) || hash.Length < 16)
        {
            error = "malformed PBKDF2 hash (hash is not base64 of at least 16 bytes)";
            return false;
        }

        error = "";
        return true;
    }

    private static string ToAdaptedBase64(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '.');

    private static bool TryFromAdaptedBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length > 1024)
        {
            return false;
        }

        string standard = text.Replace('.', '+').TrimEnd('=');
        standard += (standard.Length % 4) switch
        {
            2 => "==",
            3 => "=",
            _ => "",
        };
        Span<byte> buffer = stackalloc byte[1024];
        if (!Convert.TryFromBase64String(standard, buffer, out int written))
        {
            return false;
        }

        bytes = buffer[..written].ToArray();
        return true;
    }
}
