namespace Sluice.Core.Auth;

// One stored password hash, parsed. For bcrypt only the shape is checked here (the bcrypt library
// reads salt and cost from the string itself); PBKDF2's parts are decoded once, at load.
public sealed class PasswordHash
{
    private PasswordHash(PasswordHashKind kind, string encoded, int iterations, byte[] salt, byte[] hash)
    {
        Kind = kind;
        Encoded = encoded;
        Iterations = iterations;
        Salt = salt;
        Hash = hash;
    }

    public PasswordHashKind Kind { get; }

    public string Encoded { get; }

    public int Iterations { get; }

    public byte[] Salt { get; }

    public byte[] Hash { get; }

    public static bool TryParse(string encoded, out PasswordHash hash, out string error)
    {
        hash = null!;
        if (encoded.StartsWith(Pbkdf2Password.Prefix, StringComparison.Ordinal))
        {
            if (!Pbkdf2Password.TryDecode(encoded, out int iterations, out byte[] salt, out byte[] derived, out error))
            {
                return false;
            }

            hash = new PasswordHash(PasswordHashKind.Pbkdf2Sha256, encoded, iterations, salt, derived);
            return true;
        }

        if (IsBcrypt(encoded, out error))
        {
            hash = new PasswordHash(PasswordHashKind.Bcrypt, encoded, iterations: 0, [], []);
            return true;
        }

        if (error.Length == 0)
        {
            // $apr1$ (htpasswd's default MD5), {SHA} and crypt(3) are fast or unsalted: refused
            // rather than accepted as a weak link.
            error = "unsupported password hash (use `sluice hash-password` or `htpasswd -B` for bcrypt)";
        }

        return false;
    }

    // $2a$ / $2b$ / $2y$, a two-digit cost 04..31, then 22 characters of salt and 31 of hash in
    // bcrypt's base64 alphabet (./A-Za-z0-9): 60 characters in all.
    private static bool IsBcrypt(string encoded, out string error)
    {
        error = "";
        if (encoded.Length < 4 || encoded[0] != '$' || encoded[1] != '2' || encoded[2] is not ('a' or 'b' or 'y') || encoded[3] != '$')
        {
            return false;
        }

        if (encoded.Length != 60 || encoded[6] != '$' || !char.IsAsciiDigit(encoded[4]) || !char.IsAsciiDigit(encoded[5]))
        {
            error = "malformed bcrypt hash (expected $2y$NN$ and 53 characters)";
            return false;
        }

        int cost = ((encoded[4] - '0') * 10) + (encoded[5] - '0');
        if (cost is < 4 or > 31)
        {
            error = $"bcrypt cost {cost} is outside 04..31";
            return false;
        }

        foreach (char c in encoded.AsSpan(7))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '/'))
            {
                error = "malformed bcrypt hash (character outside ./A-Za-z0-9)";
                return false;
            }
        }

        return true;
    }
}
