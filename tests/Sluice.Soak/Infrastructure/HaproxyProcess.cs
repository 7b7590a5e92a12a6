using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Soak.Infrastructure;

// HAProxy (the distribution's package) in front of Sluice nodes on loopback, run from the shipped
// deploy/haproxy.cfg with only the addresses and the check interval replaced, so the test checks
// the configuration people copy. Every replacement must find its text: a drifted deploy file
// fails here instead of silently testing something else. Foreground (-db), ended by its PID.
internal sealed class HaproxyProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _socket;

    private HaproxyProcess(Process process, string socket, int port)
    {
        _process = process;
        _socket = socket;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    // deploy/haproxy.cfg with the frontend on 127.0.0.1:port, the runtime socket in `directory`,
    // the checks every `inter` (fall 2, rise 2) and these nodes as node1, node2, … .
    public static string ConfigFor(string directory, int port, IReadOnlyList<int> nodePorts, string inter)
    {
        string shipped = File.ReadAllText(Path.Combine(RepositoryRoot, "deploy", "haproxy.cfg"));
        string config = Replace(shipped, "stats socket /run/haproxy-sluice.sock", $"stats socket {Path.Combine(directory, "haproxy.sock")}");
        config = Replace(config, "bind :80", $"bind 127.0.0.1:{port}");
        config = Replace(config, "check inter 2s fall 3 rise 2", $"check inter {inter} fall 2 rise 2");
        var lines = config.Split('\n').Where(l => !l.TrimStart().StartsWith("server node", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, config.Split('\n').Length - lines.Count); // the three example nodes
        lines.AddRange(nodePorts.Select((p, i) => $"    server node{i + 1} 127.0.0.1:{p}"));
        return string.Join('\n', lines) + "\n";
    }

    public static async Task<HaproxyProcess> StartAsync(string directory, string config, int port)
    {
        string path = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(path, config);
        var info = new ProcessStartInfo("haproxy", ["-f", path, "-db"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var haproxy = new HaproxyProcess(Process.Start(info)!, Path.Combine(directory, "haproxy.sock"), port);
        long end = Environment.TickCount64 + (long)StartTimeout.TotalMilliseconds;
        while (!await haproxy.AcceptsAsync())
        {
            if (haproxy._process.HasExited || Environment.TickCount64 > end)
            {
                string output = haproxy.Output;
                await haproxy.DisposeAsync();
                Assert.Fail($"haproxy did not start on port {port}:\n{output}");
            }

            await Task.Delay(50);
        }

        return haproxy;
    }

    // Each node's check state from the runtime API's `show stat` ("UP", "DOWN", "UP 1/2", …).
    public async Task<IReadOnlyDictionary<string, string>> NodeStatesAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socket), cts.Token);
        await socket.SendAsync("show stat\n"u8.ToArray(), SocketFlags.None, cts.Token);
        var text = new StringBuilder();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        string[] rows = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] header = rows[0].TrimStart('#', ' ').Split(',');
        int name = Array.IndexOf(header, "svname");
        int status = Array.IndexOf(header, "status");
        return rows.Skip(1)
            .Select(r => r.Split(','))
            .Where(c => c[name].StartsWith("node", StringComparison.Ordinal))
            .ToDictionary(c => c[name], c => c[status]);
    }

    // Polls until `node` reports `state` exactly; false when it does not within `bound`.
    public async Task<bool> WaitForStateAsync(string node, string state, TimeSpan bound)
    {
        long end = Environment.TickCount64 + (long)bound.TotalMilliseconds;
        do
        {
            if ((await NodeStatesAsync()).GetValueOrDefault(node) == state)
            {
                return true;
            }

            await Task.Delay(50);
        }
        while (Environment.TickCount64 < end);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }

    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    // The checkout this test assembly was built in (deploy/ lives there).
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no Sluice.slnx above {AppContext.BaseDirectory}");
        }
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.True(text.Contains(from, StringComparison.Ordinal), $"deploy/haproxy.cfg no longer contains '{from}'");
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private async Task<bool> AcceptsAsync()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"haproxy pid {Pid} on 127.0.0.1:{Port}");
}
