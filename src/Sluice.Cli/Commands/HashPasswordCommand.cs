using System.CommandLine;
using System.Text;
using Sluice.Core.Auth;

namespace Sluice.Cli.Commands;

// `sluice hash-password`: reads a password from standard input and prints its PBKDF2 hash for
// --auth or an --auth-file line. On a terminal it asks twice without echo; from a pipe it takes the
// first line as is, so scripts can use it (`printf %s "$pw" | sluice hash-password --user alice`).
public static class HashPasswordCommand
{
    public static Command Create()
    {
        var user = new Option<string?>("--user") { Description = "Print USER:HASH, a line for --auth or an --auth-file." };
        var iterations = new Option<int>("--iterations")
        {
            Description = $"PBKDF2-HMAC-SHA256 iterations (at least {Pbkdf2Password.MinIterations}).",
            DefaultValueFactory = _ => Pbkdf2Password.DefaultIterations,
        };
        var command = new Command("hash-password", "Read a password from standard input and print a salted PBKDF2-SHA256 hash for --auth.")
        {
            user, iterations,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int rounds = parse.GetValue(iterations);
            if (rounds is < Pbkdf2Password.MinIterations or > Pbkdf2Password.MaxIterations)
            {
                await Console.Error.WriteLineAsync($"sluice: --iterations must be between {Pbkdf2Password.MinIterations} and {Pbkdf2Password.MaxIterations}").ConfigureAwait(false);
                return 2;
            }

            string? name = parse.GetValue(user);
            if (name is not null && (name.Length == 0 || name.Contains(':', StringComparison.Ordinal) || name.Any(char.IsControl)))
            {
                await Console.Error.WriteLineAsync("sluice: --user must be non-empty, without ':' or control characters").ConfigureAwait(false);
                return 2;
            }

            string? password = Console.IsInputRedirected ? await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) : ReadFromTerminal();
            if (string.IsNullOrEmpty(password))
            {
                await Console.Error.WriteLineAsync("sluice: no password given (an empty password is refused)").ConfigureAwait(false);
                return 2;
            }

            string hash = Pbkdf2Password.Create(password, rounds);
            await Console.Out.WriteLineAsync(name is null ? hash : $"{name}:{hash}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static string? ReadFromTerminal()
    {
        string first = HiddenInput.Read("Password: ");
        string second = HiddenInput.Read("Again: ");
        if (first != second)
        {
            Console.Error.WriteLine("sluice: the passwords differ");
            return null;
        }

        return first;
    }
}
