using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Sluice.Core.Units;

namespace Sluice.Cli.Commands;

// How option values read in help and in errors: lowercase words and the expected form, never a
// .NET type name. System.CommandLine's own messages for typed options say "expected type
// 'System.Int32'" or list enum members in PascalCase; these parsers replace them with one line
// that names the option, e.g. "--port takes a whole number such as 8080 (got 'abc')".
internal static class CliValues
{
    public static void Number<T>(Option<T> option, string form)
        where T : struct, INumber<T>
    {
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T value))
            {
                return value;
            }

            result.AddError($"{option.Name} takes {form} (got '{text}')");
            return default;
        };
    }

    public static void Size(Option<string> option, string example)
    {
        option.HelpName = "size";
        option.Validators.Add(result =>
        {
            // Validators also run for an option left at its default (no tokens): nothing to check.
            if (result.Tokens.Count == 0)
            {
                return;
            }

            string text = result.Tokens[0].Value;
            if (!ByteSize.TryParse(text, out _))
            {
                result.AddError($"{option.Name} takes a size in bytes, or with a K/M/G suffix, such as {example} (got '{text}')");
            }
        });
    }

    // A string option limited to a few lowercase words, listed in help as a|b|c.
    public static void Choice(Option<string> option, params string[] values)
    {
        option.HelpName = string.Join('|', values);
        option.Validators.Add(result => CheckChoice(result, option.Name, values));
    }

    public static void Choice(Option<string[]> option, params string[] values)
    {
        option.HelpName = string.Join('|', values);
        option.Validators.Add(result => CheckChoice(result, option.Name, values));
    }

    private static void CheckChoice(OptionResult result, string name, string[] values)
    {
        foreach (Token token in result.Tokens)
        {
            if (Array.IndexOf(values, token.Value) < 0)
            {
                result.AddError($"{name} takes one of {string.Join(", ", values)} (got '{token.Value}')");
                return;
            }
        }
    }
}
