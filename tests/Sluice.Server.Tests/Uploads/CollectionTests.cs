using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// DELETE, MKCOL, OPTIONS and the switch that turns them on.
public sealed class CollectionTests
{
    [Fact]
    public async Task MkcolAndDeleteAnswerAsRfc4918Says()
    {
        await using var server = StartWithUploads();
        Assert.Equal(201, (await SendAsync(server, "MKCOL", "/made")).Status);
        Assert.True(Directory.Exists(server.PathOf("made")));
        RawResponse again = await SendAsync(server, "MKCOL", "/made");
        Assert.Equal(405, again.Status);
        Assert.Contains("MKCOL", again.RequireHeader("Allow"), StringComparison.Ordinal);
        Assert.Equal(409, (await SendAsync(server, "MKCOL", "/missing/sub")).Status);
        Assert.False(Directory.Exists(server.PathOf("missing")));

        Assert.Equal(409, (await PutAsync(server, "/missing/file.txt", Encoding.ASCII.GetBytes("x"))).Status);
        Assert.Equal(201, (await PutAsync(server, "/made/file.txt", Encoding.ASCII.GetBytes("x"))).Status);
        Assert.Equal(409, (await PutAsync(server, "/made", Encoding.ASCII.GetBytes("x"))).Status);
        Assert.Equal(409, (await SendAsync(server, "DELETE", "/made")).Status);
        Assert.Equal(204, (await SendAsync(server, "DELETE", "/made/file.txt")).Status);
        Assert.False(File.Exists(server.PathOf("made/file.txt")));
        Assert.Equal(204, (await SendAsync(server, "DELETE", "/made")).Status);
        Assert.False(Directory.Exists(server.PathOf("made")));
        Assert.Equal(404, (await SendAsync(server, "DELETE", "/made")).Status);
        Assert.Equal(404, (await SendAsync(server, "DELETE", "/no/such/file")).Status);
    }

    [Fact]
    public async Task ADeletedFileIsNotServedFromTheOpenFileCache()
    {
        await using var server = StartWithUploads();
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
        Assert.Equal(204, (await SendAsync(server, "DELETE", "/tiny.txt")).Status);
        Assert.Equal(404, (await server.GetAsync("/tiny.txt")).Status);
    }

    [Fact]
    public async Task OptionsListsTheEnabledMethods()
    {
        await using var server = StartWithUploads();
        RawResponse options = await SendAsync(server, "OPTIONS", "*");
        Assert.Equal(204, options.Status);
        Assert.Equal("GET, HEAD, PUT, DELETE, MKCOL, OPTIONS", options.RequireHeader("Allow"));
        RawResponse post = await SendAsync(server, "POST", "/tiny.txt", "Content-Length: 0\r\n");
        Assert.Equal(405, post.Status);
        Assert.Equal("GET, HEAD, PUT, DELETE, MKCOL, OPTIONS", post.RequireHeader("Allow"));
    }

    [Fact]
    public async Task WithUploadsOffWritesAre405AndNothingIsWritten()
    {
        await using var server = TestServer.Start();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/put.txt", 5) + "hello");
        RawResponse put = await connection.ReadResponseAsync();
        Assert.Equal(405, put.Status);
        Assert.Equal("GET, HEAD", put.RequireHeader("Allow"));
        Assert.False(File.Exists(server.PathOf("put.txt")));
        Assert.Equal(405, (await SendAsync(server, "DELETE", "/tiny.txt")).Status);
        Assert.True(File.Exists(server.PathOf("tiny.txt")));
    }
}
