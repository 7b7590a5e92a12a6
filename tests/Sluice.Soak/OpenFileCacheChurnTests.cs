using System.Text;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;

namespace Sluice.Soak;

// Issue 8, defect 2: requests over many more files than the open-file cache holds, from several
// connections at once, make the cache evict while it is used. No request may get an empty reply,
// and the server may hold no more descriptors than the cache, the connections and the requests
// in flight account for.
[Trait("Category", "Soak")]
public sealed class OpenFileCacheChurnTests : IDisposable
{
    private const int Files = 2000;
    private const int CacheEntries = 64;
    private const int Connections = 16;
    private const int RequestsPerConnection = 1500;

    // The listeners, epoll instances and pipes are in the baseline; this covers what the runtime
    // opens on the side (a timer's eventfd, say).
    private const int Slack = 8;

    private readonly SoakDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ChurnGivesNoEmptyReplyAndKeepsDescriptorsWithinTheCache()
    {
        string files = Path.Combine(_directory.Path, "f");
        Directory.CreateDirectory(files);
        for (int i = 0; i < Files; i++)
        {
            File.WriteAllText(Path.Combine(files, $"{i:D4}.txt"), Content(i));
        }

        int seed = Environment.GetEnvironmentVariable("SLUICE_SOAK_SEED") is string replay ? int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        string replayHint = $"(seed {seed}; replay with SLUICE_SOAK_SEED={seed})";
        await using SoakServer server = await SoakServer.StartAsync(_directory.Path, "--open-file-cache", CacheEntries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int baseline = await Descriptors.SettledCountAsync(server, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
        int bound = baseline + CacheEntries + (2 * Connections) + Slack;

        int empty = 0;
        int wrong = 0;
        int served = 0;
        string? firstWrong = null;
        int peak = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.OpenDescriptors());
                await Task.Delay(10);
            }
        });

        var workers = new Task[Connections];
        for (int w = 0; w < Connections; w++)
        {
            var random = new Random(seed + w);
            workers[w] = Task.Run(async () =>
            {
                RawHttpConnection connection = await server.ConnectAsync();
                try
                {
                    for (int r = 0; r < RequestsPerConnection; r++)
                    {
                        int i = random.Next(Files);
                        try
                        {
                            await connection.SendAsync($"GET /f/{i:D4}.txt HTTP/1.1\r\nHost: soak\r\n\r\n");
                            RawResponse response = await connection.ReadResponseAsync();
                            if (response.Status != 200 || response.BodyText != Content(i))
                            {
                                Interlocked.Increment(ref wrong);
                                firstWrong ??= $"/f/{i:D4}.txt: {response.StatusLine}, body '{response.BodyText}'";
                            }
                            else
                            {
                                Interlocked.Increment(ref served);
                            }
                        }
                        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
                        {
                            // Closed without a response: an empty reply. Carry on with a new connection.
                            Interlocked.Increment(ref empty);
                            await connection.DisposeAsync();
                            connection = await server.ConnectAsync();
                        }
                    }
                }
                finally
                {
                    await connection.DisposeAsync();
                }
            });
        }

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        await sampling.CancelAsync();
        await sampler;

        // Idle again: only the cache's own entries may remain open on files in the root.
        int settled = await Descriptors.SettledCountAsync(server, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
        int filesOpen = server.DescriptorTargets().Count(t => t.StartsWith(files, StringComparison.Ordinal));
        double cached = (await server.ScrapeAsync())["sluice_open_file_cache_entries"];
        string report = $"{Connections * RequestsPerConnection} requests over {Files} files, cache {CacheEntries}: {served} served, {empty} empty replies, {wrong} wrong{(firstWrong is null ? "" : $" (first: {firstWrong})")}; descriptors: baseline {baseline}, peak {peak} (bound {bound}), idle after {settled} with {filesOpen} on served files, of which the cache holds {cached} {replayHint}";
        Assert.True(empty == 0 && wrong == 0, report + $"\nstderr:\n{server.StderrTail()}");
        Assert.True(peak <= bound, report);
        Assert.True(cached <= CacheEntries, report);

        // Idle, every descriptor on a served file belongs to the cache: any other one leaked.
        Assert.True(filesOpen == cached, report);
    }

    // Each file names itself, so a response from the wrong file is visible.
    private static string Content(int i) => new StringBuilder().Append("file ").Append(i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).Append('\n').Append('.', i % 97).Append('\n').ToString();
}
