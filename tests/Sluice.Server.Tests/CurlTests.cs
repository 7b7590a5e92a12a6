using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// A real client: curl (.ci/run installs it).
public sealed class CurlTests
{
    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task CurlDownloadsAFile(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string output = Path.Combine(server.BaseDirectory, "download.bin");

        (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", output, new Uri(server.BaseUri, "random.bin").ToString());

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256OfFile(output));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task CurlResumesAnInterruptedDownload(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string source = server.PathOf("random.bin");
        string output = Path.Combine(server.BaseDirectory, "partial.bin");
        const int already = 1_234_567;
        File.WriteAllBytes(output, Fixtures.Slice(source, 0, already));

        (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-C", "-", "-o", output, new Uri(server.BaseUri, "random.bin").ToString());

        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        Assert.Equal(TestServer.RandomLength, new FileInfo(output).Length);
        Assert.Equal(Fixtures.Sha256OfFile(source), Fixtures.Sha256OfFile(output));
        Assert.True(
            await Wait.UntilAsync(() => server.AccessLog.Contains("\"GET /random.bin HTTP/1.1\" 206 ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            $"curl's resumed request was not answered 206:\n{server.AccessLog}");
    }
}
