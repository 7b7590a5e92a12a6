using System.Diagnostics;
using System.Text;

namespace Sluice.Cli.Tests;

// Runs the built `sluice` (sluice.dll next to this test assembly) as a child process with the same
// dotnet that runs the tests, capturing its output line by line.
internal sealed class SluiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Line, TaskCompletionSource<string> Found, Func<string, bool> Match)> _waiters = [];

    private SluiceProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static string DotnetHost
    {
        get
        {
            string? current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }

    public static string SluiceDll
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, "sluice.dll");
            Assert.True(File.Exists(path), $"{path} is missing: the Cli project reference should copy it");
            return path;
        }
    }

    public static SluiceProcess Start(params string[] arguments) => StartUnder([], arguments);

    // Runs sluice through a launcher that execs it, e.g. ["prlimit", "--nofile=256:256"], so the
    // process id is still sluice's own.
    public static SluiceProcess StartUnder(IReadOnlyList<string> launcher, params string[] arguments)
    {
        var start = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (launcher.Count > 0)
        {
            foreach (string argument in launcher.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add(DotnetHost);
        }

        start.ArgumentList.Add(SluiceDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var sluice = new SluiceProcess(process);
        process.OutputDataReceived += (_, e) => sluice.OnLine(sluice._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => sluice.OnLine(sluice._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sluice;
    }

    // Runs a native executable (the Native AOT `sluice`, or the installed tool's shim) instead of `dotnet sluice.dll`.
    public static SluiceProcess StartExecutable(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var sluice = new SluiceProcess(process);
        process.OutputDataReceived += (_, e) => sluice.OnLine(sluice._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => sluice.OnLine(sluice._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sluice;
    }

    // Runs to completion (bounded) and returns exit code and output.
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        await using SluiceProcess process = Start(arguments);
        await process.WaitForExitAsync(timeout);
        return (process.ExitCode, process.Stdout, process.Stderr);
    }

    // The first stderr line satisfying match, waiting at most timeout.
    public Task<string> WaitForStderrLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            foreach (string line in _stderr.ToString().Split('\n'))
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            _waiters.Add(("", found, match));
        }

        return WaitAsync(found.Task, timeout);
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"sluice did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // Drain the asynchronous readers.
        _process.WaitForExit();
    }

    public async Task SendSignalAsync(string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
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

    private async Task<string> WaitAsync(Task<string> task, TimeSpan timeout)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching line within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    private void OnLine(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.Append(line).Append('\n');
            if (sink != _stderr)
            {
                return;
            }

            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
