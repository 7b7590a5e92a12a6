using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Cli.Tests;

// systemd-style socket activation: the listening socket is bound by someone else (here a small
// Python launcher standing in for systemd) and handed to sluice as descriptor 3 with LISTEN_FDS=1
// and LISTEN_PID=<sluice's pid> (the launcher execs sluice, so its pid is sluice's).
public sealed class SocketActivationTests : IDisposable
{
    private const string Launcher = """
        import os, socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        print("activation-port %d" % s.getsockname()[1], file=sys.stderr, flush=True)
        if s.fileno() != 3:
            os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)  # Python opens sockets close-on-exec
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execvp(sys.argv[1], sys.argv[1:])
        """;

    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-activation-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _content = new byte[(1024 * 1024) + 77];

    public SocketActivationTests()
    {
        Directory.CreateDirectory(_directory);
        new Random(10).NextBytes(_content);
        File.WriteAllBytes(Path.Combine(_directory, "data.bin"), _content);
        File.WriteAllText(Path.Combine(_directory, "launch.py"), Launcher);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ServesOnTheInheritedSocketIncludingAConnectionMadeBeforeItStarted()
    {
        // --port 1 would need privileges and is surely not ours: the inherited socket is used instead.
        await using SluiceProcess sluice = SluiceProcess.StartUnder(["python3", Path.Combine(_directory, "launch.py")], "serve", _directory, "--port", "1");
        string line = await sluice.WaitForStderrLineAsync(l => l.StartsWith("activation-port ", StringComparison.Ordinal), s_quick);
        int port = int.Parse(line["activation-port ".Length..], CultureInfo.InvariantCulture);

        // Connected and sent while sluice may still be starting: the kernel queues it on the socket
        // the launcher bound, which is the point of activation (a restart drops no connection).
        using var early = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await early.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(s_quick);
        await early.SendAsync(Encoding.ASCII.GetBytes("GET /data.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        byte[] response = await ReadToEndAsync(early);

        Assert.True(HttpResponseHeadParser.TryParse(response, out HttpResponseHead? head, out int headLength) == ParseStatus.Complete, Encoding.ASCII.GetString(response));
        Assert.Equal(200, head!.StatusCode);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(_content)), Convert.ToHexString(SHA256.HashData(response.AsSpan(headLength))));

        string activated = await sluice.WaitForStderrLineAsync(l => l.Contains("socket activation:", StringComparison.Ordinal), s_quick);
        Assert.Contains($"127.0.0.1:{port}", activated, StringComparison.Ordinal);
        Assert.DoesNotContain(":1 ", sluice.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeftoverVariablesForAnotherProcessAreIgnored()
    {
        // LISTEN_PID names another process (as when a child inherits the variables): sluice binds itself.
        await using SluiceProcess sluice = SluiceProcess.StartUnder(
            ["env", "LISTEN_FDS=1", "LISTEN_PID=1"], "serve", _directory, "--port", "0");
        string line = await sluice.WaitForStderrLineAsync(l => l.Contains("serving ", StringComparison.Ordinal), s_quick);
        Assert.Contains("on http://127.0.0.1:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("socket activation", sluice.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADescriptorThatIsNotAListeningSocketFailsWithOneLineAndExit1()
    {
        const string NotASocket = """
            import os, sys
            fd = os.open(sys.argv[1], os.O_RDONLY)
            if fd != 3:
                os.dup2(fd, 3)
            os.set_inheritable(3, True)
            os.environ["LISTEN_FDS"] = "1"
            os.environ["LISTEN_PID"] = str(os.getpid())
            os.execvp(sys.argv[2], sys.argv[2:])
            """;
        string script = Path.Combine(_directory, "file-as-socket.py");
        File.WriteAllText(script, NotASocket);
        await using SluiceProcess sluice = SluiceProcess.StartUnder(["python3", script, Path.Combine(_directory, "data.bin")], "serve", _directory, "--port", "0");
        await sluice.WaitForExitAsync(s_quick);

        Assert.Equal(1, sluice.ExitCode);
        Assert.Contains("socket activation: descriptor 3 (LISTEN_FDS=1) is not a listening TCP socket", sluice.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", sluice.Stderr, StringComparison.Ordinal);
    }

    // Found by a hostile review: --host was checked for Basic auth over plain HTTP, an inherited
    // socket on every address was not.
    [Fact]
    public async Task BasicAuthOverPlainHttpOnAnInheritedNetworkSocketIsRefused()
    {
        string wide = Path.Combine(_directory, "launch-wide.py");
        File.WriteAllText(wide, Launcher.Replace("\"127.0.0.1\"", "\"0.0.0.0\"", StringComparison.Ordinal));
        string hash = Sluice.Core.Auth.Pbkdf2Password.Create("pw", Sluice.Core.Auth.Pbkdf2Password.MinIterations);
        await using SluiceProcess sluice = SluiceProcess.StartUnder(["python3", wide], "serve", _directory, "--port", "0", "--auth", "alice:" + hash);
        await sluice.WaitForExitAsync(s_quick);

        Assert.Equal(1, sluice.ExitCode);
        Assert.Contains("refusing HTTP Basic auth over plain HTTP on the inherited listener 0.0.0.0:", sluice.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", sluice.Stderr, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(s_quick);
        using var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, n);
        }
    }
}
