using System.CommandLine;
using Sluice.Cli.Bench;
using Sluice.Cli.Commands;

namespace Sluice.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Sluice: a file-transfer server that moves bytes with as few copies and system calls as Linux allows.")
        {
            ServeCommand.Create(),
            CacheCommand.Create(),
            BenchCommand.Create(),
        };

        // Signals are handled by the serve command itself, for a graceful shutdown with a deadline.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(configuration).ConfigureAwait(false);
    }
}
