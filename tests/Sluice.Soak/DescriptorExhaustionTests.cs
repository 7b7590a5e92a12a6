using System.Net;
using System.Net.Sockets;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 8, defect 4: with RLIMIT_NOFILE at 256, 400 idle connections exhaust the server's
// descriptors. The process must live through EMFILE (back off on accept, never abort) and serve
// again once the connections close. Three rounds: the abort did not happen on every run.
[Trait("Category", "Soak")]
public sealed class DescriptorExhaustionTests : IDisposable
{
    private const int Limit = 256;
    private const int IdleConnections = 400;
    private const int Rounds = 3;

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ExhaustedDescriptorsDoNotKillTheServer()
    {
        File.WriteAllText(_directory.File("hello.txt"), "hello, soak\n");

        // prlimit sets the limit on itself and execs: the process id is sluice's.
        await using SoakServer server = await SoakServer.StartUnderAsync(["prlimit", $"--nofile={Limit}:{Limit}"], _directory.Path);
        string limits = File.ReadLines($"/proc/{server.Pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.Contains($" {Limit} ", limits, StringComparison.Ordinal);

        for (int round = 1; round <= Rounds; round++)
        {
            var idle = new List<Socket>();
            int peak = 0;
            try
            {
                for (int i = 0; i < IdleConnections; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    idle.Add(socket);
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), cts.Token);
                }

                // Until the server has taken all it can (its descriptor count stops moving).
                await Descriptors.SettledCountAsync(server, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20));
                peak = server.Process.HasExited ? 0 : Directory.GetFileSystemEntries($"/proc/{server.Pid}/fd").Length;
            }
            catch (Exception ex) when (ex is DirectoryNotFoundException or IOException or Xunit.Sdk.XunitException)
            {
                // The process went away while we looked: reported below.
            }
            finally
            {
                foreach (Socket socket in idle)
                {
                    socket.Dispose();
                }
            }

            Assert.False(server.Process.HasExited, $"round {round}: sluice died with {IdleConnections} connections at RLIMIT_NOFILE {Limit}: exit {(server.Process.HasExited ? server.Process.ExitCode : 0)}\nstderr:\n{server.StderrTail()}");

            // Served again once they are gone.
            RawResponse? response = null;
            string? failure = null;
            bool served = await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        response = await server.GetAsync("/hello.txt", TimeSpan.FromSeconds(5));
                        return response.Status == 200;
                    }
                    catch (Exception ex) when (ex is IOException or TimeoutException or SocketException)
                    {
                        failure = ex.Message;
                        return false;
                    }
                },
                TimeSpan.FromSeconds(20));
            Assert.True(served && !server.Process.HasExited, $"round {round}: not served after the idle connections closed ({peak} descriptors at the peak): {response?.StatusLine ?? failure}; exited {server.Process.HasExited}\nstderr:\n{server.StderrTail()}");
            Assert.Equal("hello, soak\n", response!.BodyText);
        }
    }
}
