using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using Sluice.Cli.Tests;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Soak.Infrastructure;

// The real `sluice serve` process on 127.0.0.1 and an ephemeral port, with its metrics listener on
// another ephemeral port, plus what a soak test reads from outside: /proc/PID/fd, VmRSS, /metrics.
internal sealed partial class SoakServer : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static readonly HttpClient s_metricsClient = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SoakServer(SluiceProcess process, int port, int metricsPort)
    {
        Process = process;
        Port = port;
        MetricsPort = metricsPort;
    }

    public SluiceProcess Process { get; }

    public int Pid => Process.Id;

    public int Port { get; }

    public int MetricsPort { get; }

    public static Task<SoakServer> StartAsync(string root, params string[] options) => StartUnderAsync([], root, options);

    // Quiet (no access log: a soak run would fill the test's memory with it), metrics on.
    public static async Task<SoakServer> StartUnderAsync(IReadOnlyList<string> launcher, string root, params string[] options)
    {
        string[] arguments = ["serve", root, "--port", "0", "--metrics", "127.0.0.1:0", "--quiet", .. options];
        SluiceProcess process = SluiceProcess.StartUnder(launcher, arguments);
        try
        {
            // The serving line, or an early exit (a usage error, a port already taken).
            long end = Environment.TickCount64 + (long)StartTimeout.TotalMilliseconds;
            Match match;
            while (!(match = ServingRegex().Match(process.Stderr)).Success)
            {
                if (process.HasExited || Environment.TickCount64 > end)
                {
                    Assert.Fail($"sluice did not start (exited: {process.HasExited}).\nstderr:\n{process.Stderr}");
                }

                await Task.Delay(20);
            }

            string metrics = await process.WaitForStderrLineAsync(l => MetricsRegex().IsMatch(l), StartTimeout);
            return new SoakServer(
                process,
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(MetricsRegex().Match(metrics).Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    // Descriptors the server holds, leaving out the runtime's own images (*.dll, *.pdb, *.so),
    // which it maps lazily the first time code needs them (an exception's stack trace, say):
    // sockets, pipes, epoll instances and served files are what a leak is made of.
    public int OpenDescriptors() => DescriptorTargets().Count;

    // What each descriptor points at ("socket:[…]", "anon_inode:[eventpoll]", a path), for messages.
    public IReadOnlyList<string> DescriptorTargets()
    {
        var targets = new List<string>();
        foreach (string fd in Directory.GetFileSystemEntries($"/proc/{Pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is string target && !IsRuntimeImage(target))
                {
                    targets.Add(target);
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return targets;
    }

    // What `now` holds beyond `then` and lacks from it, by kind: a readable account of a leak.
    public static string Difference(IReadOnlyList<string> then, IReadOnlyList<string> now, string root)
    {
        static Dictionary<string, int> Kinds(IEnumerable<string> targets, string root) => targets
            .Select(t => t.StartsWith(root, StringComparison.Ordinal) ? "file in root"
                : t.StartsWith("socket:", StringComparison.Ordinal) ? "socket"
                : t.StartsWith("pipe:", StringComparison.Ordinal) ? "pipe" : t)
            .GroupBy(t => t)
            .ToDictionary(g => g.Key, g => g.Count());

        Dictionary<string, int> before = Kinds(then, root);
        Dictionary<string, int> after = Kinds(now, root);
        IEnumerable<string> changes = before.Keys.Union(after.Keys)
            .Select(k => (Kind: k, Delta: after.GetValueOrDefault(k) - before.GetValueOrDefault(k)))
            .Where(c => c.Delta != 0)
            .Select(c => $"{c.Delta:+#;-#} {c.Kind}");
        return string.Join(", ", changes);
    }

    // The last lines the server wrote to stderr, for failure messages.
    public string StderrTail(int characters = 1500)
    {
        string stderr = Process.Stderr;
        return stderr.Length <= characters ? stderr : "…" + stderr[^characters..];
    }

    public long ResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{Pid}/status");
    }

    // One scrape of /metrics: "name" or "name{labels}" → value.
    public async Task<IReadOnlyDictionary<string, double>> ScrapeAsync()
    {
        string text = await s_metricsClient.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            values[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return values;
    }

    public Task<RawHttpConnection> ConnectAsync(int receiveBufferSize = 0) => RawHttpConnection.ConnectAsync(Port, receiveBufferSize);

    // One GET on a fresh connection; the whole response, bounded in time.
    public async Task<RawResponse> GetAsync(string target, TimeSpan? timeout = null)
    {
        await using RawHttpConnection connection = await ConnectAsync();
        await connection.SendAsync($"GET {target} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
        return await connection.ReadResponseAsync(timeout: timeout);
    }

    // A GET on a fresh connection: the status and as many body bytes as arrive within `bound`
    // (fewer than Content-Length means it did not finish; status 0 means no head arrived).
    public async Task<(int Status, byte[] Body)> DownloadAsync(string target, long length, TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        await using RawHttpConnection connection = await ConnectAsync();
        await connection.SendAsync($"GET {target} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
        RawResponse head;
        try
        {
            head = await connection.ReadHeadAsync(bound);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            return (0, []);
        }

        var body = new MemoryStream();
        body.Write(await connection.ReadUpToAsync(Math.Min(length, connection.Buffered)));
        byte[] chunk = new byte[256 * 1024];
        try
        {
            while (body.Length < length)
            {
                int n = await connection.Socket.ReceiveAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - body.Length)), System.Net.Sockets.SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    break;
                }

                body.Write(chunk, 0, n);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Out of time, or reset: what arrived is the answer.
        }

        return (head.Status, body.ToArray());
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static bool IsRuntimeImage(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".pdb", StringComparison.Ordinal) || target.Contains(".so", StringComparison.Ordinal);

    [GeneratedRegex(@"serving .* on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingRegex();

    [GeneratedRegex(@"metrics on http://127\.0\.0\.1:(\d+)/metrics")]
    private static partial Regex MetricsRegex();
}
