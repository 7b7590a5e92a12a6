using System.Globalization;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// Issue 8 defect 2: under churn (many threads, many files, a small cache) eviction raced with
// insertion and lookup; the exception escaped after a reference was taken, so the client got an
// empty reply and the descriptor was never closed. These tests count both, on descriptors that
// point into the churned directory only (the test process also holds the client sockets).
[Collection(SerialCollection.Name)]
public sealed class OpenFileCacheChurnTests
{
    private const int Files = 2000;
    private const int Workers = 8;
    private const int RequestsPerWorker = 3000;
    private const int CacheEntries = 64;

    [Fact]
    public async Task ChurnGivesEveryRequestItsFileAndLeaksNoDescriptor()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { OpenFileCacheEntries = CacheEntries });
        string directory = server.PathOf("churn");
        Directory.CreateDirectory(directory);
        for (int i = 0; i < Files; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, Name(i)), Content(i));
        }

        int seed = Environment.TickCount;
        long deadline = Environment.TickCount64 + 120_000;
        int emptyReplies = 0;
        int wrongReplies = 0;
        int served = 0;
        string? firstFailure = null;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            RawHttpConnection? connection = null;
            try
            {
                for (int n = 0; n < RequestsPerWorker && Environment.TickCount64 < deadline; n++)
                {
                    int i = random.Next(Files);
                    connection ??= await server.ConnectAsync();
                    try
                    {
                        await connection.SendAsync($"GET /churn/{Name(i)} HTTP/1.1\r\nHost: a\r\n\r\n");
                        RawResponse response = await connection.ReadResponseAsync();
                        if (response.Status != 200 || response.BodyText != Content(i))
                        {
                            Interlocked.Increment(ref wrongReplies);
                            Interlocked.CompareExchange(ref firstFailure, $"{Name(i)}: {response}", null);
                        }
                        else
                        {
                            Interlocked.Increment(ref served);
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                    {
                        // The server closed without a response: the empty reply of the defect.
                        Interlocked.Increment(ref emptyReplies);
                        Interlocked.CompareExchange(ref firstFailure, $"{Name(i)}: {e.Message}", null);
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        })));

        // Every descriptor on a churned file is either held by the cache or about to be closed by
        // a response that is finishing: once the connections are gone, at most the cache's.
        bool bounded = await Wait.UntilAsync(
            () => server.Server.ActiveConnections == 0 && DescriptorsUnder(directory) <= server.Server.OpenFiles.Count,
            TimeSpan.FromSeconds(10));
        int open = DescriptorsUnder(directory);
        string summary = $"seed {seed}: {served} served, {emptyReplies} empty replies, {wrongReplies} wrong replies, " +
            $"{open} descriptors on churned files with {server.Server.OpenFiles.Count} cached (capacity {CacheEntries}); first failure: {firstFailure}";
        Console.WriteLine(summary);
        Assert.True(emptyReplies == 0 && wrongReplies == 0, summary);
        Assert.True(bounded && server.Server.OpenFiles.Count <= CacheEntries, summary);
        Assert.Equal(Workers * RequestsPerWorker, served);
    }

    private static string Name(int i) => "f" + i.ToString("D4", CultureInfo.InvariantCulture) + ".txt";

    private static string Content(int i) => "churned file " + i.ToString(CultureInfo.InvariantCulture) + "\n";

    // Descriptors of this process open on files below `directory` (the kernel's view, /proc/self/fd).
    internal static int DescriptorsUnder(string directory)
    {
        int count = 0;
        string prefix = directory.TrimEnd('/') + "/";
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is string target && target.StartsWith(prefix, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return count;
    }
}
