using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 13: Sluice nodes behind HAProxy with URI-consistent hashing (deploy/haproxy.cfg), on
// loopback. Three nodes, each serving its own `cp -a` copy of one tree. Through the balancer: a
// path always reaches the same node; a killed node's paths (and only those) move to the others
// once HAProxy marks it down (fall × inter: 2 × 200 ms here) and come back when it returns; bodies
// are byte-exact (SHA-256); a download resumed on another node with If-Range gets 206, because the
// copies' ETags agree (size + mtime, which cp -a keeps); the PROXY v2 header gives the nodes the
// client's address. HAProxy must be installed (.ci/run installs it).
[Trait("Category", "Soak")]
public sealed class BalancerTests : IDisposable
{
    private const int Files = 48;
    private const int FileLength = 20 * 1024;
    private const int BigLength = (2 * 1024 * 1024) + 17;

    // HAProxy marks a node down after fall (2) failed checks inter (200 ms) apart; generous
    // bounds for a loaded machine, never a timing assertion.
    private static readonly TimeSpan s_stateBound = TimeSpan.FromSeconds(20);

    // The client's own address, not the balancer's: what the PROXY v2 header must carry.
    private static readonly IPAddress s_client = IPAddress.Parse("127.0.0.2");

    private readonly SoakDirectory _directory = new();
    private readonly Dictionary<string, string> _sha256 = [];

    public BalancerTests()
    {
        string tree = _directory.File("tree");
        Directory.CreateDirectory(Path.Combine(tree, "p"));
        for (int i = 0; i < Files; i++)
        {
            Fixtures.WriteRandomFile(Path.Combine(tree, $"p/f{i:D2}.bin"), FileLength, seed: i);
        }

        Fixtures.WriteRandomFile(Path.Combine(tree, "big.bin"), BigLength, seed: 1000);
        foreach (string file in Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories))
        {
            _sha256["/" + Path.GetRelativePath(tree, file)] = Fixtures.Sha256OfFile(file);
        }
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PathsStayOnTheirNodeMoveWhenItDiesAndComeBackWhenItReturns()
    {
        var nodes = new ClusterNode[3];
        HaproxyProcess? haproxy = null;
        try
        {
            for (int i = 0; i < nodes.Length; i++)
            {
                string copy = _directory.File($"node{i + 1}");
                await CopyTreeAsync(_directory.File("tree"), copy);
                nodes[i] = await ClusterNode.StartAsync($"node{i + 1}", copy, 0);
            }

            int port = HaproxyProcess.FreePort();
            string config = HaproxyProcess.ConfigFor(_directory.Path, port, nodes.Select(n => n.Port).ToList(), "200ms");
            haproxy = await HaproxyProcess.StartAsync(_directory.Path, config, port);
            foreach (ClusterNode node in nodes)
            {
                Assert.True(await haproxy.WaitForStateAsync(node.Name, "UP", s_stateBound), $"{node.Name} never UP: {await StatesAsync(haproxy)}\n{haproxy.Output}");
            }

            // The copies agree on every ETag (cp -a keeps size and mtime; the inode differs).
            RawResponse[] heads = await Task.WhenAll(nodes.Select(n => HeadDirectAsync(n.Port, "/big.bin")));
            Assert.Single(heads.Select(h => h.RequireHeader("ETag")).Distinct());

            // 1. Each path, asked twice on fresh connections, reaches one node; all three get some.
            Dictionary<string, string> home = await RouteAllAsync(haproxy);
            Assert.Equal(home, await RouteAllAsync(haproxy));
            Assert.Equal(3, home.Values.Distinct().Count());

            // The node's own access log names the request, and the client address the PROXY v2
            // header carried (127.0.0.2), not the balancer's (127.0.0.1).
            string sample = home.Keys.First();
            ClusterNode sampleNode = nodes.Single(n => n.Name == home[sample]);
            Assert.True(
                await Wait.UntilAsync(() => sampleNode.AccessLog.Contains($"127.0.0.2 - - [", StringComparison.Ordinal) && sampleNode.AccessLog.Contains($"\"GET {sample} HTTP/1.1\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
                $"{sampleNode.Name}'s access log has no line from 127.0.0.2 for {sample}:\n{sampleNode.AccessLog}");

            // 2. The first half of big.bin from its node; then that node is killed (SIGKILL by PID).
            string bigHome = home["/big.bin"];
            int victim = Array.FindIndex(nodes, n => n.Name == bigHome);
            RawResponse first = await GetAsync(haproxy, "/big.bin", $"Range: bytes=0-{(BigLength / 2) - 1}\r\n");
            Assert.Equal(206, first.Status);
            Assert.Equal(bigHome, first.RequireHeader("X-Sluice-Node"));
            string etag = first.RequireHeader("ETag");

            await nodes[victim].KillAsync();
            Assert.True(await haproxy.WaitForStateAsync(bigHome, "DOWN", s_stateBound), $"{bigHome} not marked DOWN: {await StatesAsync(haproxy)}");

            // The rest, resumed on another node with If-Range: a range (206), not the whole file.
            RawResponse rest = await GetAsync(haproxy, "/big.bin", $"Range: bytes={BigLength / 2}-\r\nIf-Range: {etag}\r\n");
            Assert.Equal(206, rest.Status);
            Assert.NotEqual(bigHome, rest.RequireHeader("X-Sluice-Node"));
            Assert.Equal(_sha256["/big.bin"], Fixtures.Sha256([.. first.Body, .. rest.Body]));

            // Only the dead node's paths moved; every other path kept its node.
            Dictionary<string, string> whileDown = await RouteAllAsync(haproxy);
            foreach ((string path, string node) in home)
            {
                if (node == bigHome)
                {
                    Assert.NotEqual(bigHome, whileDown[path]);
                }
                else
                {
                    Assert.True(node == whileDown[path], $"{path} moved from {node} to {whileDown[path]} though {node} stayed up");
                }
            }

            // 3. Restarted on its port over its copy, the node takes its paths back.
            nodes[victim] = await nodes[victim].RestartAsync();
            Assert.True(await haproxy.WaitForStateAsync(bigHome, "UP", s_stateBound), $"{bigHome} not UP again: {await StatesAsync(haproxy)}");
            Assert.Equal(home, await RouteAllAsync(haproxy));
        }
        finally
        {
            if (haproxy is not null)
            {
                await haproxy.DisposeAsync();
            }

            foreach (ClusterNode? node in nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    // deploy/sluice-node.service passes `systemd-analyze verify` (deploy/verify-unit.sh fails on
    // any complaint, since verify itself exits 0 on ignored keys).
    [Fact]
    public async Task TheNodeUnitVerifies()
    {
        string script = Path.Combine(HaproxyProcess.RepositoryRoot, "deploy", "verify-unit.sh");
        using Process verify = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> stdout = verify.StandardOutput.ReadToEndAsync();
        Task<string> stderr = verify.StandardError.ReadToEndAsync();
        await verify.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(verify.ExitCode == 0, $"verify-unit.sh exited {verify.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    // Every file through the balancer on a fresh connection from 127.0.0.2: the node that served
    // it (HAProxy's X-Sluice-Node), after checking status and SHA-256.
    private async Task<Dictionary<string, string>> RouteAllAsync(HaproxyProcess haproxy)
    {
        var routes = new Dictionary<string, string>();
        foreach ((string path, string sha) in _sha256)
        {
            RawResponse response = await GetAsync(haproxy, path, "");
            Assert.True(response.Status == 200, $"{path}: {response.StatusLine}");
            Assert.Equal(sha, Fixtures.Sha256(response.Body));
            routes[path] = response.RequireHeader("X-Sluice-Node");
        }

        return routes;
    }

    private static async Task<RawResponse> GetAsync(HaproxyProcess haproxy, string path, string extraHeaders)
    {
        await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, haproxy.Port), s_client);
        await connection.SendAsync($"GET {path} HTTP/1.1\r\nHost: cluster\r\n{extraHeaders}Connection: close\r\n\r\n");
        return await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(20));
    }

    // Straight to a node, as a trusted proxy that sends no PROXY header (allowed: it is optional).
    private static async Task<RawResponse> HeadDirectAsync(int port, string path)
    {
        await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(port);
        await connection.SendAsync($"HEAD {path} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n");
        return await connection.ReadResponseAsync(isHead: true);
    }

    private static async Task<string> StatesAsync(HaproxyProcess haproxy) =>
        string.Join(", ", (await haproxy.NodeStatesAsync()).Select(s => $"{s.Key}={s.Value}"));

    private static async Task CopyTreeAsync(string from, string to)
    {
        using Process cp = Process.Start("cp", ["-a", from, to]);
        await cp.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, cp.ExitCode);
    }
}
