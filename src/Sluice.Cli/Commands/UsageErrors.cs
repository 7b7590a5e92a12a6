using System.CommandLine;
using System.CommandLine.Parsing;

namespace Sluice.Cli.Commands;

// Exit codes, as BSD sysexits and GNU tools use them: 2 for every usage error (a bad option, a bad
// value, a missing or wrong DIR), 1 for a failure at run time (a busy port, an unreadable root).
public static class UsageErrors
{
    public const int ExitCode = 2;

    public const int RuntimeFailureExitCode = 1;

    // One line per error and nothing else, the same shape as the errors ServerOptions.Validate
    // finds after parsing: a parser error is no different to the user (README: "usage errors are
    // one line"), and a "see --help" line only after some of them made scripts parse two shapes.
    public static int Report(ParseResult parse, TextWriter error)
    {
        foreach (ParseError parseError in parse.Errors)
        {
            error.WriteLine($"sluice: {Lowercase(parseError.Message)}");
        }

        return ExitCode;
    }

    // System.CommandLine's own messages start with a capital and end with a period ("Unrecognized
    // command or argument 'x'."); ours are lowercase fragments like every other sluice error line.
    private static string Lowercase(string message)
    {
        message = message.TrimEnd('.');
        return message.Length > 1 && char.IsUpper(message[0]) && !char.IsUpper(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }
}
