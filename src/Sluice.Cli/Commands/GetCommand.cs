using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Sluice.Cli.Get;
using Sluice.Cli.Http;
using Sluice.Cli.Put;
using Sluice.Core.Units;
using Spectre.Console;

namespace Sluice.Cli.Commands;

// `sluice get URL [-o FILE]`: binds the arguments and checks them (usage errors exit 2), then hands
// the run to GetRunner with a progress bar on a terminal (stdout) or none (-q, or stdout not a terminal).
public static class GetCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("URL") { Description = "What to download, e.g. http://127.0.0.1:8080/dir/name.bin." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to save it (default: the URL's last path segment, in the current directory).", HelpName = "FILE" };
        var connections = new Option<int>("--connections", "-n") { Description = "Parallel connections, each fetching chunks by ranged GETs.", DefaultValueFactory = _ => 8 };
        CliValues.Number(connections, "a whole number of connections such as 8");
        var chunkSize = new Option<string>("--chunk-size") { Description = "Bytes per ranged request; also the unit of resuming.", DefaultValueFactory = _ => "4MiB" };
        CliValues.Size(chunkSize, "4MiB");
        var sha256 = new Option<string?>("--sha256") { Description = "Verify the result against this SHA-256 (64 hex digits); also against the server's Repr-Digest when it sends one.", HelpName = "HEX" };
        var user = new Option<string?>("--user", "-u") { Description = "Credentials USER[:PASS] for HTTP Basic auth; the password is asked for (without echo) when left out.", HelpName = "USER[:PASS]" };
        var caCert = new Option<string?>("--cacert") { Description = "Trust the certificate(s) in this PEM file (instead of the system's) for https URLs.", HelpName = "FILE" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar and no messages except errors (for scripts and benchmarks)." };
        var retries = new Option<int>("--retries") { Description = "Retries per chunk after a cut connection or a 5xx answer, with doubling backoff (0.25 s up to 8 s).", DefaultValueFactory = _ => 5 };
        CliValues.Number(retries, "a whole number of retries such as 5");
        var timeout = new Option<double>("--timeout") { Description = "Seconds without progress (connect, send or answer) before a connection counts as cut.", DefaultValueFactory = _ => 30 };
        CliValues.Number(timeout, "a number of seconds such as 30");

        var command = new Command(
            "get",
            "Download URL by parallel ranged requests into FILE.part, resumable (state in FILE.sluice-get; run again to resume), " +
            "verified by SHA-256 (Repr-Digest, --sha256), renamed to FILE when complete. " +
            "Exit codes: 0 saved, 1 failed (refused, cut after all retries, changed too often), 2 usage error, 3 verification failed (bytes removed).")
        {
            url, output, connections, chunkSize, sha256, user, caCert, quiet, retries, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = Console.Error;
            if (!PutTarget.TryParse(parse.GetValue(url)!, "", out PutTarget? target, out string urlError))
            {
                error.WriteLine($"sluice: {urlError}");
                return UsageErrors.ExitCode;
            }

            string? path = parse.GetValue(output);
            if (path is null)
            {
                path = Uri.UnescapeDataString(target!.Path[(target.Path.LastIndexOf('/') + 1)..]);
                if (path.Length == 0 || path is "." or ".." || path.Contains('/', StringComparison.Ordinal))
                {
                    error.WriteLine($"sluice: the URL names no file ('{target.Path}'); give one with -o FILE");
                    return UsageErrors.ExitCode;
                }
            }

            int connectionCount = parse.GetValue(connections);
            int retryCount = parse.GetValue(retries);
            double seconds = parse.GetValue(timeout);
            if (!ByteSize.TryParse(parse.GetValue(chunkSize)!, out long chunk) || chunk <= 0 || connectionCount is < 1 or > 64 || retryCount < 0 || seconds <= 0)
            {
                error.WriteLine("sluice: --connections must be 1 to 64, --chunk-size more than 0, --retries 0 or more and --timeout more than 0");
                return UsageErrors.ExitCode;
            }

            byte[]? expected = null;
            if (parse.GetValue(sha256) is string hex)
            {
                if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
                {
                    error.WriteLine($"sluice: --sha256 takes 64 hex digits (got '{hex}')");
                    return UsageErrors.ExitCode;
                }

                expected = Convert.FromHexString(hex);
            }

            if (!ClientCredentials.TryLoadRoots(parse.GetValue(caCert), error, out X509Certificate2Collection? roots)
                || !ClientCredentials.TryBasicAuthorization(parse.GetValue(user), error, out string? authorization))
            {
                return UsageErrors.ExitCode;
            }

            var settings = new GetSettings(target!, Path.GetFullPath(path), authorization, roots, retryCount, TimeSpan.FromSeconds(seconds), connectionCount, chunk, expected);
            bool silent = parse.GetValue(quiet);
            if (silent || Console.IsOutputRedirected)
            {
                return await new GetRunner(settings, new SilentProgress(), error, silent).RunAsync(cancellationToken).ConfigureAwait(false);
            }

            return await SpectreProgress.Create(AnsiConsole.Console).StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(Path.GetFileName(settings.Output)));
                return await new GetRunner(settings, new SpectreProgress(task), error, quiet: false).RunAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        return command;
    }
}
