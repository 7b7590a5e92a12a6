using System.Security.Cryptography;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// Every --receive-strategy runs under the body deadline: the splice, dontcache and direct
// mechanisms once waited on the transport's token alone (cancelled only by a send deadline or a
// server abort), so a client that stalled mid-body held its connection and temporary file forever.
public sealed class ReceiveStrategyDeadlineTests
{
    [Theory]
    [InlineData(ReceiveStrategyOption.Buffered)]
    [InlineData(ReceiveStrategyOption.Splice)]
    [InlineData(ReceiveStrategyOption.Dontcache)]
    [InlineData(ReceiveStrategyOption.Direct)]
    public async Task AStalledUploadIsDroppedWithinTheBodyTimeout(ReceiveStrategyOption strategy)
    {
        await using var server = StartWithUploads(
            u => u with { BodyTimeout = TimeSpan.FromSeconds(1), MinReceiveRate = 0 },
            o => o with { ReceiveOption = strategy });
        await using RawHttpConnection connection = await server.ConnectAsync();
        // Half of a 2 MiB body (past the head, so the mechanism itself waits for the rest).
        await connection.SendAsync(PutHead("/stalled.bin", 2 * 1024 * 1024));
        await connection.SendAsync(RandomBytes(1024 * 1024, seed: 3));
        // Closed without an answer; ReadToEndAsync throws if it is still open after 15 s.
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(15)));
        Assert.False(File.Exists(server.PathOf("stalled.bin")));
        Assert.DoesNotContain(Names(server.Root), n => n.StartsWith(".sluice", StringComparison.Ordinal));
    }

    // The minimum rate counts the bytes every mechanism moves: splice moves them after a readiness
    // wait that itself delivers none, so without IReceiveDeadline.Credit a healthy upload slower
    // than one burst was dropped once the grace period ran out.
    [Theory]
    [InlineData(ReceiveStrategyOption.Buffered)]
    [InlineData(ReceiveStrategyOption.Splice)]
    [InlineData(ReceiveStrategyOption.Dontcache)]
    [InlineData(ReceiveStrategyOption.Direct)]
    public async Task AnUploadAboveTheMinimumRateOutlivesTheGracePeriod(ReceiveStrategyOption strategy)
    {
        await using var server = StartWithUploads(
            u => u with { MinReceiveRate = 10_000, MinReceiveRateGrace = TimeSpan.FromSeconds(1) },
            o => o with { ReceiveOption = strategy });
        // 40 pieces of 16 KiB, one every 50 ms: about 2 s at ~300 kB/s, thirty times the minimum.
        byte[] body = RandomBytes(40 * 16 * 1024, seed: 5);
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/steady.bin", body.Length));
        for (int at = 0; at < body.Length; at += 16 * 1024)
        {
            await connection.SendAsync(body.AsMemory(at, 16 * 1024));
            await Task.Delay(50);
        }

        Assert.Equal(201, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("steady.bin"))));
    }

    [Theory]
    [InlineData(ReceiveStrategyOption.Auto)]
    [InlineData(ReceiveStrategyOption.Buffered)]
    [InlineData(ReceiveStrategyOption.Splice)]
    [InlineData(ReceiveStrategyOption.Dontcache)]
    [InlineData(ReceiveStrategyOption.Direct)]
    public async Task AnUploadArrivesWholeUnderEveryStrategy(ReceiveStrategyOption strategy)
    {
        await using var server = StartWithUploads(server: o => o with { ReceiveOption = strategy });
        // Not a multiple of 4096: the direct mechanism's unaligned tail goes through the cache.
        byte[] body = RandomBytes((3 * 1024 * 1024) + 1234, seed: 4);
        RawResponse response = await PutAsync(server, "/whole.bin", body);
        Assert.Equal(201, response.Status);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("whole.bin"))));
    }
}
