using Sluice.Core.Auth;
using Sluice.Server.Configuration;

namespace Sluice.Server.Auth;

// SIGHUP re-reads --auth-file (and the --auth entries with it), as it reloads the TLS
// certificate. The new credentials replace the old as one verifier, atomically; a file that does
// not read or parse, or leaves no user, changes nothing (the server keeps serving the users it
// has rather than locking everyone out or letting everyone in). Remembered successes are cleared:
// a removed user or a changed password must not keep working for the cache's TTL.
public sealed partial class AuthGate
{
    public bool TryReload(AuthOptions options, out string error)
    {
        var errors = new List<string>();
        IReadOnlyList<CredentialEntry> credentials = options.LoadCredentials(errors);
        if (errors.Count == 0 && credentials.Count == 0)
        {
            errors.Add("no users left");
        }

        if (errors.Count > 0)
        {
            error = string.Join("; ", errors);
            return false;
        }

        _verifier = new CredentialVerifier(credentials);
        _cache.Clear();
        error = "";
        return true;
    }
}
