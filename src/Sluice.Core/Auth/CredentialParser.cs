namespace Sluice.Core.Auth;

// Lines of the form user:hash, as in an Apache htpasswd file: blank lines and lines starting with
// '#' are skipped, the user ends at the first ':' (a hash never contains one), a trailing CR is
// dropped. Every problem is reported with where it is, so a bad file fails the start with a line
// number instead of leaving a user locked out at run time.
public static class CredentialParser
{
    public static IReadOnlyList<CredentialEntry> Parse(IEnumerable<string> lines, string source, bool skipComments, List<string> errors)
    {
        var entries = new List<CredentialEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (skipComments && (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')))
            {
                continue;
            }

            string where = skipComments ? $"{source}:{number}" : source;
            if (!TryParseLine(line, out CredentialEntry? entry, out string error))
            {
                errors.Add($"{where}: {error}");
                continue;
            }

            if (!seen.Add(entry.User))
            {
                errors.Add($"{where}: user '{entry.User}' is defined twice");
                continue;
            }

            entries.Add(entry);
        }

        return entries;
    }

    public static bool TryParseLine(string line, out CredentialEntry entry, out string error)
    {
        entry = null!;
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = "expected USER:HASH";
            return false;
        }

        string user = line[..colon];
        if (user.AsSpan().IndexOfAnyInRange('\0', '\x1f') >= 0 || user.Contains('\x7f', StringComparison.Ordinal))
        {
            error = "the user name contains a control character";
            return false;
        }

        if (!PasswordHash.TryParse(line[(colon + 1)..].Trim(), out PasswordHash hash, out error))
        {
            error = $"user '{user}': {error}";
            return false;
        }

        entry = new CredentialEntry(user, hash);
        return true;
    }
}
