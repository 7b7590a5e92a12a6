using Sluice.Core.Policy;
using Sluice.Server.Metrics;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Tests.Strategies;

namespace Sluice.Server.Tests.Tls;

// Bodies over TLS: every strategy's bytes arrive byte-exact (whole files, ranges, multipart),
// sendfile is never used (it cannot carry TLS without kernel TLS), and the decisions auto and a
// forced sendfile make over TLS say reason=tls in the access log and in /metrics.
public sealed class TlsBodyTests
{
    // random.bin (3 MiB + 123) is above it, blocks.bin (1 MiB + 5) below: both sides of the policy.
    private const long DirectThreshold = 2L * 1024 * 1024;

    private static TlsTestServer Start(StrategyOption strategy) =>
        TlsTestServer.Start(strategy, o => o with { DirectThreshold = DirectThreshold, CopyThreshold = 64 * 1024 });

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task EveryStrategysBytesArriveIntactOverTls(StrategyOption strategy)
    {
        await using var server = Start(strategy);
        foreach (string name in new[] { "tiny.txt", "empty.bin", "random.bin", "blocks.bin" })
        {
            RawResponse response = await server.GetAsync("/" + name);
            Assert.Equal(200, response.Status);
            Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf(name)), Fixtures.Sha256(response.Body));
        }

        string random = server.Inner.PathOf("random.bin");
        foreach ((long first, long last) in new[] { (0L, 0L), (1L, 70_000L), (1_000_003L, 3_000_001L), (TestServer.RandomLength - 7L, TestServer.RandomLength - 1L) })
        {
            RawResponse response = await server.GetAsync("/random.bin", $"Range: bytes={first}-{last}\r\n");
            Assert.Equal(206, response.Status);
            Assert.Equal($"bytes {first}-{last}/{TestServer.RandomLength}", response.Header("Content-Range"));
            Fixtures.AssertBytes(Fixtures.Slice(random, first, last - first + 1), response.Body, $"bytes={first}-{last}");
        }

        (long First, long Last)[] wanted = [(0, 99), (700_000, 702_047), (2_500_000, 3_100_000)];
        RawResponse multipart = await server.GetAsync("/random.bin", "Range: bytes=" + string.Join(",", wanted.Select(r => $"{r.First}-{r.Last}")) + "\r\n");
        List<BytePart> parts = Multipart.Parse(multipart.Body, Multipart.Boundary(multipart.RequireHeader("Content-Type")));
        Assert.Equal(wanted.Length, parts.Count);
        for (int i = 0; i < wanted.Length; i++)
        {
            Fixtures.AssertBytes(Fixtures.Slice(random, wanted[i].First, wanted[i].Last - wanted[i].First + 1), parts[i].Bytes, $"part {i}");
        }

        foreach (DecisionReason reason in Enum.GetValues<DecisionReason>())
        {
            Assert.Equal(0, server.Server.Metrics.Decisions(reason, TransferStrategy.Sendfile));
        }

        Assert.Equal(0, server.Server.Metrics.For(TransferStrategy.Sendfile).Syscalls(Transfer.SyscallKind.Sendfile));
        Assert.DoesNotContain("strategy=sendfile", server.Inner.AccessLog, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StrategyOption.Auto)]
    [InlineData(StrategyOption.Sendfile)]
    public async Task AutoAndSendfileGoByCopyOrAroundTheCacheAndSayTls(StrategyOption strategy)
    {
        await using var server = Start(strategy);
        PageCache.FlushAndEvict(server.Inner.PathOf("random.bin"));

        RawResponse small = await server.GetAsync("/blocks.bin");
        RawResponse large = await server.GetAsync("/random.bin");

        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("blocks.bin")), Fixtures.Sha256(small.Body));
        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("random.bin")), Fixtures.Sha256(large.Body));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.Tls, TransferStrategy.Copy));
        Assert.Equal(1, server.Server.Metrics.Decisions(DecisionReason.Tls, TransferStrategy.Direct));
        Assert.Matches(@"/blocks\.bin HTTP/1\.1"" 200 \d+ strategy=copy reason=tls ", server.Inner.AccessLog);
        Assert.Matches(@"/random\.bin HTTP/1\.1"" 200 \d+ strategy=direct reason=tls ", server.Inner.AccessLog);
        string metrics = PrometheusWriter.Render(server.Server.Metrics, server.Server.OpenFiles, 0);
        Assert.Contains("sluice_decisions_total{strategy=\"copy\",reason=\"tls\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_decisions_total{strategy=\"direct\",reason=\"tls\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALargeResidentBodyGoesByCopyOverTls()
    {
        await using var server = Start(StrategyOption.Auto);
        _ = File.ReadAllBytes(server.Inner.PathOf("random.bin"));

        RawResponse large = await server.GetAsync("/random.bin");

        Assert.Equal(Fixtures.Sha256OfFile(server.Inner.PathOf("random.bin")), Fixtures.Sha256(large.Body));
        Assert.Matches(@"/random\.bin HTTP/1\.1"" 200 \d+ strategy=copy reason=tls ", server.Inner.AccessLog);
    }
}
