using System.Text;

namespace Sluice.Cli.Commands;

// A line typed on the terminal without echo: passwords for `sluice hash-password` and `sluice put -u USER`.
internal static class HiddenInput
{
    // Console.ReadKey(intercept: true) does not echo the key.
    public static string Read(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return text.ToString();
    }
}
