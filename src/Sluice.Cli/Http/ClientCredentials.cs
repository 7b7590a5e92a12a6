using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sluice.Cli.Http;

// What `sluice get` and `sluice put` read the same way from their command lines: the CA
// certificates of --cacert and the Basic credentials of -u USER[:PASS] (the password prompted for
// when it is not given). Each returns false after one line on stderr: a usage error.
internal static class ClientCredentials
{
    public static bool TryLoadRoots(string? caPath, TextWriter error, out X509Certificate2Collection? roots)
    {
        roots = null;
        if (caPath is null)
        {
            return true;
        }

        roots = [];
        try
        {
            roots.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            error.WriteLine($"sluice: --cacert '{caPath}' holds no readable PEM certificate ({e.Message})");
            return false;
        }

        if (roots.Count == 0)
        {
            error.WriteLine($"sluice: --cacert '{caPath}' holds no PEM certificate");
            return false;
        }

        return true;
    }

    public static bool TryBasicAuthorization(string? credentials, TextWriter error, out string? authorization)
    {
        authorization = null;
        if (credentials is null)
        {
            return true;
        }

        int colon = credentials.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? credentials : credentials[..colon];
        string? password = colon < 0 ? PasswordPrompt.Read(name) : credentials[(colon + 1)..];
        if (name.Length == 0 || password is null)
        {
            error.WriteLine("sluice: -u takes USER[:PASS] with a non-empty USER");
            return false;
        }

        authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}"));
        return true;
    }
}
