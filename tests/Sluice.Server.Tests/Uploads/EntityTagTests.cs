using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// The ETag is "<mtime ns>-<length>", and the kernel stamps mtime from a coarse clock (one jiffy,
// 1–10 ms): two versions of a path of the same length written within one tick got the same ETag,
// so If-Match let a stale writer overwrite the newer version (the lost update RFC 9110 §13.1.1
// exists to prevent) and If-Range could join ranges of two versions. Found by a hostile review:
// 4 of 30 pipelined PUT pairs collided on a loaded machine.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EntityTagTests
{
    [Fact]
    public async Task EveryReplacementOfAPathGetsADistinctETagEvenWithinOneClockTick()
    {
        await using var server = StartWithUploads();
        const int Versions = 40;
        // All versions pipelined on one connection: each commit follows the last within well under a
        // jiffy, and each has the same length, so only the mtime can tell them apart.
        var requests = new List<byte>();
        for (int i = 0; i < Versions; i++)
        {
            byte[] body = Encoding.ASCII.GetBytes($"version {i:D4}");
            requests.AddRange(Encoding.ASCII.GetBytes(PutHead("/versions.txt", body.Length)));
            requests.AddRange(body);
        }

        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(requests.ToArray());
        var etags = new List<string>();
        for (int i = 0; i < Versions; i++)
        {
            RawResponse response = await connection.ReadResponseAsync();
            Assert.Equal(i == 0 ? 201 : 204, response.Status);
            etags.Add(response.RequireHeader("ETag"));
        }

        Assert.Equal(Versions, etags.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(etags[^1], (await server.GetAsync("/versions.txt")).RequireHeader("ETag"));
    }

    [Fact]
    public async Task IfMatchWithTheETagOfAVersionReplacedMomentsAgoIsRefused()
    {
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        for (int round = 0; round < 30; round++)
        {
            string target = $"/doc{round}.txt";
            byte[] first = Encoding.ASCII.GetBytes($"version A {round:D2}");
            byte[] second = Encoding.ASCII.GetBytes($"version B {round:D2}");

            // A writer creates A and, right behind it, another replaces it with B; the first writer
            // then sends a change conditioned on A's ETag. It must be 412 and B must survive.
            await connection.SendAsync(Encoding.ASCII.GetBytes(PutHead(target, first.Length)).Concat(first)
                .Concat(Encoding.ASCII.GetBytes(PutHead(target, second.Length))).Concat(second).ToArray());
            RawResponse created = await connection.ReadResponseAsync();
            Assert.Equal(201, created.Status);
            Assert.Equal(204, (await connection.ReadResponseAsync()).Status);
            await connection.SendAsync(Encoding.ASCII.GetBytes(PutHead(target, first.Length, $"If-Match: {created.RequireHeader("ETag")}\r\n")).Concat(first).ToArray());
            Assert.Equal(412, (await connection.ReadResponseAsync()).Status);
            Assert.Equal(Fixtures.Sha256(second), Fixtures.Sha256OfFile(server.PathOf(target[1..])));
        }
    }
}
