using System.Net;
using Sluice.Core.Auth;

namespace Sluice.Server.Configuration;

// Access control (--auth, --auth-file, --public …): plain data like ServerOptions; Validate reads
// and parses the credentials once so that a bad line fails the start (exit 2) with its line number.
public sealed record AuthOptions
{
    // USER:HASH entries from --auth.
    public IReadOnlyList<string> Entries { get; init; } = [];

    // An htpasswd-style file of USER:HASH lines (--auth-file).
    public string? File { get; init; }

    // Path prefixes served without credentials (--public).
    public IReadOnlyList<string> PublicPrefixes { get; init; } = [];

    // Allow Basic over plain HTTP on a non-loopback address (--auth-insecure-http).
    public bool InsecureHttp { get; init; }

    // Failed attempts one client address may make in a burst before it gets 429 (--auth-max-failures)
    public int MaxFailures { get; init; } = 10;

    // …and the time in which that allowance refills completely (--auth-failure-window).
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromSeconds(60);

    // How long a verified Authorization value is trusted without hashing again.
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    // The clock the verified-credentials cache expires on; tests set a manual one.
    internal TimeProvider Clock { get; init; } = TimeProvider.System;

    public IReadOnlyList<CredentialEntry> LoadCredentials(List<string> errors)
    {
        var entries = new List<CredentialEntry>(CredentialParser.Parse(Entries, "--auth", skipComments: false, errors));
        if (File is not null)
        {
            string[] lines;
            try
            {
                lines = System.IO.File.ReadAllLines(File);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"--auth-file '{File}' cannot be read: {ex.Message}");
                return entries;
            }

            foreach (CredentialEntry entry in CredentialParser.Parse(lines, File, skipComments: true, errors))
            {
                if (entries.Any(e => e.User == entry.User))
                {
                    errors.Add($"{File}: user '{entry.User}' is also given with --auth");
                    continue;
                }

                entries.Add(entry);
            }
        }

        return entries;
    }

    // tls: whether the main listener speaks TLS. Basic sends the password in every request, only
    // base64-encoded (RFC 7617 §4): over plain HTTP anyone on the path reads it. On loopback
    // nobody is on the path, so that is allowed; elsewhere it needs TLS or an explicit override.
    public void Validate(string host, bool tls, List<string> errors)
    {
        int before = errors.Count;
        IReadOnlyList<CredentialEntry> credentials = LoadCredentials(errors);
        if (credentials.Count == 0 && errors.Count == before)
        {
            errors.Add("access control needs at least one user: --auth USER:HASH, or --auth-file with USER:HASH lines");
        }

        foreach (string prefix in PublicPrefixes)
        {
            if (PublicPaths.Validate(prefix) is string error)
            {
                errors.Add(error);
            }
        }

        if (MaxFailures < 1)
        {
            errors.Add("--auth-max-failures must be at least 1");
        }

        if (FailureWindow <= TimeSpan.Zero || CacheTtl < TimeSpan.Zero)
        {
            errors.Add("--auth-failure-window must be positive");
        }

        bool loopback = host == "localhost" || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
        if (!tls && !loopback && !InsecureHttp)
        {
            errors.Add($"refusing HTTP Basic auth over plain HTTP on {host}: passwords would cross the network readable by anyone on the path; serve with TLS, or pass --auth-insecure-http to do it anyway");
        }
    }
}
