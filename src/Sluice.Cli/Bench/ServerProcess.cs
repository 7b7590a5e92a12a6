using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Bench;

// The server under test: this very `sluice` executable started as `sluice serve DIR --strategy S`
// in a child process, bound to 127.0.0.1, with its metrics endpoint on. It is measured from the
// outside (/proc, /metrics, strace) and stopped the way an operator stops it: SIGTERM.
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ServerProcess(Process process, IPEndPoint endpoint, IPEndPoint metrics)
    {
        _process = process;
        Endpoint = endpoint;
        MetricsEndpoint = metrics;
    }

    public int Pid => _process.Id;

    public IPEndPoint Endpoint { get; }

    public IPEndPoint MetricsEndpoint { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString().Trim();
            }
        }
    }

    // Ports are picked here (bind to port 0, read it, release it) so the server can run --quiet.
    // Another process may grab a port in between; then the child exits at once and we try again.
    public static Task<ServerProcess> StartAsync(string root, string strategy, CancellationToken cancellationToken) =>
        StartAsync(root, strategy, cancellationToken, []);

    // extraArguments: appended to the serve command line (the upload bench's --upload --receive-strategy S).
    public static async Task<ServerProcess> StartAsync(string root, string strategy, CancellationToken cancellationToken, IReadOnlyList<string> extraArguments)
    {
        for (int attempt = 1; ; attempt++)
        {
            var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort());
            var metrics = new IPEndPoint(IPAddress.Loopback, FreePort());
            ServerProcess server = Launch(root, strategy, endpoint, metrics, extraArguments);
            if (await server.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false))
            {
                return server;
            }

            string error = server.Stderr;
            await server.DisposeAsync().ConfigureAwait(false);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"sluice serve did not start: {error}");
            }
        }
    }

    // SIGTERM asks for the graceful shutdown; SIGKILL if it overruns the deadline.
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            await Signal.SendAsync(Pid, "TERM").ConfigureAwait(false);
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"sluice serve (pid {Pid}) did not exit within {timeout.TotalSeconds:0} s of SIGTERM; killed");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }

    // Under `dotnet sluice.dll` the process path is the dotnet host: start `dotnet sluice.dll`.
    private static (string File, string? Assembly) SluiceCommand()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the sluice executable");
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // AppContext.BaseDirectory, not Assembly.Location: the latter is empty in a single-file
            // or Native AOT build (where this branch never runs, but the trim analysis checks it).
            string dll = Path.Combine(AppContext.BaseDirectory, "sluice.dll");
            if (!File.Exists(dll))
            {
                throw new InvalidOperationException("cannot locate sluice.dll next to the dotnet host");
            }

            return (self, dll);
        }

        return (self, null);
    }

    private static ServerProcess Launch(string root, string strategy, IPEndPoint endpoint, IPEndPoint metrics, IReadOnlyList<string> extraArguments)
    {
        (string file, string? assembly) = SluiceCommand();
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (assembly is not null)
        {
            start.ArgumentList.Add(assembly);
        }

        foreach (string argument in (string[])[
            "serve", root, "--host", "127.0.0.1", "--port", endpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--strategy", strategy, "--quiet", "--metrics", metrics.ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, endpoint, metrics);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._stderr)
                {
                    server._stderr.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return server;
    }

    // Ready when the metrics listener answers: it starts after the main listener is bound.
    private async Task<bool> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)s_startTimeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(MetricsEndpoint, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
