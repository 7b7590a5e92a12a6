using System.Diagnostics;
using System.Globalization;

namespace Sluice.Cli.Bench;

// Sends a POSIX signal with kill(1): .NET can only SIGKILL a child, and the bench needs SIGTERM
// (graceful server shutdown) and SIGINT (strace detaches and writes its summary).
internal static class Signal
{
    public static async Task SendAsync(int pid, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }
}
