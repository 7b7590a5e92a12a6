namespace Sluice.Cli.Http;

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

        return Commands.HiddenInput.Read($"Password for {user}: ");
    }
}
