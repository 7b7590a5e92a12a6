using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Sluice.Cli.Http;
using Sluice.Cli.Put;
using Spectre.Console;

namespace Sluice.Cli.Commands;

// `sluice put FILE URL`: binds the arguments and checks them (usage errors exit 2), then hands the
// run to PutRunner with a progress bar on a terminal (stdout) or none (-q, or stdout not a terminal).
public static class PutCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The local file to upload." };
        var url = new Argument<string>("URL")
        {
            Description = "Where to put it, e.g. http://127.0.0.1:8080/dir/name.bin; a URL ending in / keeps FILE's name.",
        };
        var user = new Option<string?>("--user", "-u") { Description = "Credentials USER[:PASS] for HTTP Basic auth; the password is asked for (without echo) when left out.", HelpName = "USER[:PASS]" };
        var caCert = new Option<string?>("--cacert") { Description = "Trust the certificate(s) in this PEM file (instead of the system's) for https URLs.", HelpName = "FILE" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar and no messages except errors." };
        var retries = new Option<int>("--retries") { Description = "Retries after a cut connection or a 5xx answer, with doubling backoff (0.25 s up to 8 s).", DefaultValueFactory = _ => 5 };
        CliValues.Number(retries, "a whole number of retries such as 5");
        var timeout = new Option<double>("--timeout") { Description = "Seconds without progress (connect, send or answer) before a connection counts as cut.", DefaultValueFactory = _ => 30 };
        CliValues.Number(timeout, "a number of seconds such as 30");
        var protocol = new Option<string>("--protocol")
        {
            Description = "tus (resumable), put (one PUT request), or auto: tus when the server offers it (OPTIONS /-/uploads/).",
            DefaultValueFactory = _ => "auto",
        };
        CliValues.Choice(protocol, "auto", "tus", "put");

        var command = new Command("put", "Upload FILE to URL: resumable (tus 1.0.0) when the server offers it, else one PUT. An interrupted upload resumes when run again.")
        {
            file, url, user, caCert, quiet, retries, timeout, protocol,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = Console.Error;
            string path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                error.WriteLine($"sluice: FILE '{path}' is not a readable file");
                return UsageErrors.ExitCode;
            }

            if (!PutTarget.TryParse(parse.GetValue(url)!, Path.GetFileName(path), out PutTarget? target, out string urlError))
            {
                error.WriteLine($"sluice: {urlError}");
                return UsageErrors.ExitCode;
            }

            int retryCount = parse.GetValue(retries);
            double seconds = parse.GetValue(timeout);
            if (retryCount < 0 || seconds <= 0)
            {
                error.WriteLine("sluice: --retries must be 0 or more and --timeout more than 0");
                return UsageErrors.ExitCode;
            }

            if (!ClientCredentials.TryLoadRoots(parse.GetValue(caCert), error, out X509Certificate2Collection? roots)
                || !ClientCredentials.TryBasicAuthorization(parse.GetValue(user), error, out string? authorization))
            {
                return UsageErrors.ExitCode;
            }

            bool? useTus = parse.GetValue(protocol) switch { "tus" => true, "put" => false, _ => null };
            var settings = new PutSettings(Path.GetFullPath(path), target!, authorization, roots, retryCount, TimeSpan.FromSeconds(seconds), useTus);
            bool silent = parse.GetValue(quiet);
            if (silent || Console.IsOutputRedirected)
            {
                return await new PutRunner(settings, new SilentProgress(), error, silent).RunAsync(cancellationToken).ConfigureAwait(false);
            }

            return await SpectreProgress.Create(AnsiConsole.Console).StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(Path.GetFileName(path)));
                return await new PutRunner(settings, new SpectreProgress(task), error, quiet: false).RunAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        return command;
    }
}
