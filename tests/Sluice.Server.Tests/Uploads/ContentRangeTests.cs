using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// RFC 9110 §14.5: a PUT with Content-Range carries part of a file; a server without partial PUT
// must answer 400. It was stored as the whole file: `curl -T 2bytes -H 'Content-Range: bytes
// 2-3/11'` turned an 11-byte file into those 2 bytes.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContentRangeTests
{
    [Fact]
    public async Task APutWithContentRangeIs400AndLeavesTheFileWhole()
    {
        await using var server = StartWithUploads();
        byte[] whole = Encoding.ASCII.GetBytes("0123456789\n");
        Assert.Equal(201, (await PutAsync(server, "/doc.txt", whole)).Status);

        RawResponse partial = await PutAsync(server, "/doc.txt", Encoding.ASCII.GetBytes("XX"), "Content-Range: bytes 2-3/11\r\n");
        Assert.Equal(400, partial.Status);
        Assert.Equal(Fixtures.Sha256(whole), Fixtures.Sha256OfFile(server.PathOf("doc.txt")));
        Assert.DoesNotContain(Names(server.Root), n => n.StartsWith(".sluice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APutWithoutContentRangeOnTheSameConnectionIsNotRefused()
    {
        // The flag belongs to one request: the next one on the connection is a plain PUT.
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/a.txt", 2, "Content-Range: bytes 0-1/2\r\n") + "ab" + PutHead("/a.txt", 2) + "cd");
        Assert.Equal(400, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(201, (await connection.ReadResponseAsync()).Status);
        Assert.Equal("cd", File.ReadAllText(server.PathOf("a.txt")));
    }
}
