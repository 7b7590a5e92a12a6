using System.Text;

namespace Sluice.Cli.Put;

// -u USER without ":PASS": the password is asked on the terminal without echo (Console.ReadKey with
// intercept), or read as the first line of standard input when that is a pipe (scripts).
internal static class PasswordPrompt
{
    public static string? Read(string user)
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine();
        }

        Console.Error.Write($"Password for {user}: ");
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

            text.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return text.ToString();
    }
}
