using System.CommandLine;
using Sluice.Server.Configuration;

namespace Sluice.Cli.Commands;

// The access-control options of `sluice serve`, bound to AuthOptions (null when neither --auth
// nor --auth-file is given). Validation is AuthOptions.Validate's.
internal sealed class AuthCliOptions
{
    private readonly Option<string[]> _auth = new("--auth")
    {
        Description = "Require HTTP Basic auth: USER:HASH, repeatable; HASH from `sluice hash-password` ($pbkdf2-sha256$…) or bcrypt ($2y$…).",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<FileInfo?> _authFile = new("--auth-file") { Description = "Require HTTP Basic auth for the users in FILE: USER:HASH lines, as an Apache htpasswd file with bcrypt (htpasswd -B) or sluice hash-password lines. SIGHUP re-reads it." };

    private readonly Option<string[]> _public = new("--public") { Description = "With --auth: a path prefix served without credentials, repeatable (e.g. /pub covers /pub and /pub/…)." };

    private readonly Option<bool> _insecure = new("--auth-insecure-http") { Description = "Allow Basic auth over plain HTTP on a non-loopback address (passwords cross the network readable)." };

    private readonly Option<int> _maxFailures = new("--auth-max-failures") { Description = "Failed logins one client address may make before it is answered 429 …", DefaultValueFactory = _ => 10 };

    private readonly Option<double> _failureWindow = new("--auth-failure-window") { Description = "… and the seconds in which that allowance refills.", DefaultValueFactory = _ => 60 };

    public void AddTo(Command command)
    {
        command.Options.Add(_auth);
        command.Options.Add(_authFile);
        command.Options.Add(_public);
        command.Options.Add(_insecure);
        command.Options.Add(_maxFailures);
        command.Options.Add(_failureWindow);
    }

    public AuthOptions? Bind(ParseResult parse)
    {
        string[] entries = parse.GetValue(_auth) ?? [];
        FileInfo? file = parse.GetValue(_authFile);
        string[] publicPrefixes = parse.GetValue(_public) ?? [];
        if (entries.Length == 0 && file is null)
        {
            // --public alone would protect nothing; say so rather than ignore it.
            return publicPrefixes.Length > 0 ? new AuthOptions { PublicPrefixes = publicPrefixes } : null;
        }

        return new AuthOptions
        {
            Entries = entries,
            File = file?.FullName,
            PublicPrefixes = publicPrefixes,
            InsecureHttp = parse.GetValue(_insecure),
            MaxFailures = parse.GetValue(_maxFailures),
            FailureWindow = TimeSpan.FromSeconds(parse.GetValue(_failureWindow)),
        };
    }
}
