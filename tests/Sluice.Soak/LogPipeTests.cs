using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Cli.Tests;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 8, defect 5: the server's stderr is a pipe nobody reads (a stuck log collector). A flood
// of refused requests, one diagnostic line each (written while the access log is on), fills the
// pipe; serving and SIGTERM must go on.
[Trait("Category", "Soak")]
public sealed partial class LogPipeTests : IDisposable
{
    // 64 KiB of pipe holds about a thousand refusal lines: several times that.
    private const int Refused = 4000;
    private const int Concurrency = 16;
    private const int ShutdownTimeoutSeconds = 2;
    private static readonly TimeSpan s_floodBound = TimeSpan.FromSeconds(15);

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AStalledLogPipeHangsNeitherServingNorSigterm()
    {
        File.WriteAllText(_directory.File("hello.txt"), "hello, soak\n");
        var start = new ProcessStartInfo(SluiceProcess.DotnetHost)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { SluiceProcess.SluiceDll, "serve", _directory.Path, "--port", "0", "--shutdown-timeout", ShutdownTimeoutSeconds.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        try
        {
            // The access log (stdout) is drained; the refusal lines go to stderr, which is not.
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();

            // Read stderr up to the line with the port, then never again.
            int port = 0;
            using (var cts = new CancellationTokenSource(SoakServer.StartTimeout))
            {
                while (port == 0 && await process.StandardError.ReadLineAsync(cts.Token) is string line)
                {
                    Match match = ServingRegex().Match(line);
                    port = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
                }
            }

            Assert.NotEqual(0, port);

            // The flood: bare LF line ends, each refused with 400 and a diagnostic line.
            int answered = 0;
            int unanswered = 0;
            int next = -1;
            var flood = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < Refused && flood.Elapsed < s_floodBound)
                {
                    try
                    {
                        await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(port);
                        await connection.SendAsync("GET /hello.txt HTTP/1.1\nHost: soak\n\n");
                        RawResponse response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(3));
                        Interlocked.Increment(ref (response.Status == 400 ? ref answered : ref unanswered));
                    }
                    catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException)
                    {
                        Interlocked.Increment(ref unanswered);
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
            flood.Stop();

            // Then a normal request, and SIGTERM.
            string normal;
            try
            {
                await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(port);
                await connection.SendAsync("GET /hello.txt HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
                RawResponse response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
                normal = response.Status == 200 && response.BodyText == "hello, soak\n" ? "served" : response.StatusLine;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
                normal = ex.Message;
            }

            var clock = Stopwatch.StartNew();
            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            bool exited = await Wait.UntilAsync(() => process.HasExited, TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 5));
            string report = $"stderr unread: {answered} of {Refused} refusals answered 400, {unanswered} not, in {flood.Elapsed.TotalSeconds:F1} s (flood bound {s_floodBound.TotalSeconds} s); "
                + $"then a normal request: {normal}; SIGTERM: {(exited ? $"exited {process.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s" : $"still running after {clock.Elapsed.TotalSeconds:F1} s")}";
            Assert.True(unanswered == 0 && answered == Refused, report);
            Assert.True(normal == "served", report);
            Assert.True(exited && process.ExitCode == 0, report);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();
}
