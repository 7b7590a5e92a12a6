using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Cli.Tests;

namespace Sluice.Soak.Infrastructure;

// One `sluice serve` node of a balanced cluster: its own copy of the tree, a port that stays the
// same across a restart (HAProxy's configuration names it), --trusted-proxy 127.0.0.1 (the
// balancer) and the combined access log on stdout, so the test can see which node served a
// request and which client address the PROXY header gave it.
internal sealed partial class ClusterNode : IAsyncDisposable
{
    private ClusterNode(string name, string root, int port, SluiceProcess process)
    {
        Name = name;
        Root = root;
        Port = port;
        Process = process;
    }

    public string Name { get; }

    public string Root { get; }

    public int Port { get; }

    public SluiceProcess Process { get; }

    public string AccessLog => Process.Stdout;

    // port 0: a free one; a restart passes the port the node had.
    public static async Task<ClusterNode> StartAsync(string name, string root, int port)
    {
        SluiceProcess process = SluiceProcess.Start(
            "serve", root, "--port", port.ToString(CultureInfo.InvariantCulture), "--trusted-proxy", "127.0.0.1", "--log-format", "combined");
        try
        {
            Task<string> serving = process.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), SoakServer.StartTimeout);
            if (await Task.WhenAny(serving, process.WaitForExitAsync(SoakServer.StartTimeout)) != serving || !serving.IsCompletedSuccessfully)
            {
                Assert.Fail($"{name} did not start on port {port} (exited: {process.HasExited}).\nstderr:\n{process.Stderr}");
            }

            Match match = ServingRegex().Match(await serving);
            return new ClusterNode(name, root, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), process);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public Task<ClusterNode> RestartAsync() => StartAsync(Name, Root, Port);

    // SIGKILL by PID: the node vanishes without draining, as a crashed machine would.
    public ValueTask KillAsync() => Process.DisposeAsync();

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
