using System.Diagnostics;

namespace Sluice.Server.Tests.Infrastructure;

// The real curl (Debian's), run with the arguments a test gives plus a hard time limit, so a server
// that hangs fails the test instead of hanging it.
internal static class CurlProcess
{
    public const string Path = "/usr/bin/curl";

    public static async Task<(int Exit, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("30");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start curl");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
