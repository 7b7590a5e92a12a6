using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Auth;

namespace Sluice.Server.Auth;

// Checks a user and password against the stored hashes. Both kinds end in a constant-time
// comparison (CryptographicOperations.FixedTimeEquals). An unknown user is checked against a
// real user's hash and then refused, so the time of a refusal does not tell whether the user
// exists. This is slow on purpose (PBKDF2 ≥ 100k iterations, bcrypt): callers run it off the
// socket threads and cache the answer.
public sealed class CredentialVerifier
{
    private readonly Dictionary<string, PasswordHash> _users;
    private readonly PasswordHash _decoy;

    public CredentialVerifier(IReadOnlyList<CredentialEntry> entries)
    {
        if (entries.Count == 0)
        {
            throw new ArgumentException("no credentials", nameof(entries));
        }

        _users = entries.ToDictionary(e => e.User, e => e.Hash, StringComparer.Ordinal);
        _decoy = entries[0].Hash;
    }

    public int UserCount => _users.Count;

    public bool Verify(string user, string password)
    {
        bool known = _users.TryGetValue(user, out PasswordHash? hash);
        bool match = Matches(password, known ? hash! : _decoy);
        return known && match;
    }

    public static bool Matches(string password, PasswordHash hash)
    {
        if (hash.Kind == PasswordHashKind.Pbkdf2Sha256)
        {
            return Pbkdf2Password.Verify(password, hash);
        }

        // bcrypt: hash the candidate with the stored salt and cost (the library reads them from
        // the stored string) and compare the whole strings in constant time. The library's own
        // Verify would do the same; comparing here keeps the constant-time property in our code.
        string candidate;
        try
        {
            candidate = BCrypt.Net.BCrypt.HashPassword(password, hash.Encoded);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), Encoding.ASCII.GetBytes(hash.Encoded));
    }
}
