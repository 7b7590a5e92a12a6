using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Uploads.Tus;

// The real server on 127.0.0.1 with --upload: tus dispatched by the connection (Http1Connection.Body.cs).
public sealed class TusEndToEndTests
{
    private static readonly string s_bobHash = Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations);
    private static readonly string s_eveHash = Pbkdf2Password.Create("3ve-secret", Pbkdf2Password.MinIterations);

    private static string Bob => $"Authorization: {BasicCredentials.Format("bob", "b0b-secret")}\r\n";

    private static string Eve => $"Authorization: {BasicCredentials.Format("eve", "3ve-secret")}\r\n";

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static ServerOptions WithUploads(ServerOptions o) =>
        o with { Uploads = new UploadOptions { Reserve = 0 }, UploadExpiry = TimeSpan.FromHours(1) };

    private static TestServer StartWithUploads() => TestServer.Start(configure: WithUploads);

    // /-/uploads/ lies under a --public prefix: tus requests (but OPTIONS) must still ask for credentials.
    private static TestServer StartWithAuth() =>
        TestServer.Start(configure: o => WithUploads(o) with { Auth = new AuthOptions { Entries = ["bob:" + s_bobHash, "eve:" + s_eveHash], PublicPrefixes = ["/-"] } });

    private static async Task<RawResponse> PostAsync(TestServer server, string target, long length, string extraHeaders = "")
    {
        await using RawHttpConnection c = await server.ConnectAsync();
        await c.SendAsync($"POST /-/uploads/ HTTP/1.1\r\nHost: t\r\nTus-Resumable: 1.0.0\r\nUpload-Length: {length}\r\nUpload-Metadata: filename {B64(target)}\r\n{extraHeaders}Content-Length: 0\r\n\r\n");
        return await c.ReadResponseAsync();
    }

    private static async Task<string> CreateAsync(TestServer server, string target, long length, string extraHeaders = "")
    {
        RawResponse created = await PostAsync(server, target, length, extraHeaders);
        Assert.Equal(201, created.Status);
        return created.RequireHeader("Location");
    }

    private static async Task<RawResponse> HeadAsync(TestServer server, string location, string extraHeaders = "")
    {
        await using RawHttpConnection c = await server.ConnectAsync();
        await c.SendAsync($"HEAD {location} HTTP/1.1\r\nHost: t\r\nTus-Resumable: 1.0.0\r\n{extraHeaders}\r\n");
        return await c.ReadResponseAsync(isHead: true);
    }

    private static async Task<long> OffsetAsync(TestServer server, string location)
    {
        RawResponse head = await HeadAsync(server, location);
        Assert.Equal(200, head.Status);
        return long.Parse(head.RequireHeader("Upload-Offset"), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string PatchHead(string location, long offset, long length, string extraHeaders = "") =>
        $"PATCH {location} HTTP/1.1\r\nHost: t\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n{extraHeaders}Content-Length: {length}\r\n\r\n";

    // The issue's case: the client is cut mid-PATCH, then resumes with fewer bytes than the
    // remaining bytes plus one chunk; the file appears only when complete and matches by checksum.
    [Fact]
    public async Task AClientCutMidPatchResumesFromTheReportedOffset()
    {
        await using TestServer server = StartWithUploads();
        byte[] bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        string location = await CreateAsync(server, "up.bin", bytes.Length);

        await using (RawHttpConnection c = await server.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, 0, bytes.Length));
            await c.SendAsync(bytes.AsMemory(0, 1_000_000));
            c.Abort();
        }

        long offset = 0;
        Assert.True(await Wait.UntilAsync(async () => (offset = await OffsetAsync(server, location)) > 0, TimeSpan.FromSeconds(10)));
        Assert.True(offset <= 1_000_000);
        Assert.False(File.Exists(server.PathOf("up.bin")));

        await using (RawHttpConnection c = await server.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, offset, bytes.Length - offset));
            await c.SendAsync(bytes.AsMemory((int)offset));
            RawResponse done = await c.ReadResponseAsync();
            Assert.Equal(204, done.Status);
            Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), done.RequireHeader("Upload-Offset"));
        }

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("up.bin"))));
    }

    // Kill the server mid-upload (here: dispose it, then start a new one over the same root and
    // staging): the offset a HEAD reported before survives, and the upload completes.
    [Fact]
    public async Task AnUploadSurvivesAServerRestart()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(500_000);
        TestServer first = StartWithUploads();
        string location;
        try
        {
            location = await CreateAsync(first, "r.bin", bytes.Length);
            await using RawHttpConnection c = await first.ConnectAsync();
            await c.SendAsync(PatchHead(location, 0, 200_000));
            await c.SendAsync(bytes.AsMemory(0, 200_000));
            Assert.Equal(204, (await c.ReadResponseAsync()).Status);
        }
        finally
        {
            await first.StopKeepingTreeAsync();
        }

        await using TestServer second = TestServer.StartOver(first.BaseDirectory, WithUploads);
        Assert.Equal(200_000, await OffsetAsync(second, location));
        Assert.False(File.Exists(second.PathOf("r.bin")));
        await using (RawHttpConnection c = await second.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, 200_000, bytes.Length - 200_000));
            await c.SendAsync(bytes.AsMemory(200_000));
            Assert.Equal(204, (await c.ReadResponseAsync()).Status);
        }

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(second.PathOf("r.bin"))));
    }

    // Every tus request but OPTIONS needs an authenticated user, even where a --public prefix
    // opens every read; without the write gate an anonymous HEAD of an upload would be answered.
    [Fact]
    public async Task TusRequestsNeedCredentialsEvenUnderAPublicPrefix()
    {
        await using TestServer server = StartWithAuth();
        RawResponse options = await server.GetAsync("/-/uploads/", method: "OPTIONS");
        Assert.Equal(204, options.Status);
        Assert.Equal("1.0.0", options.RequireHeader("Tus-Resumable"));

        RawResponse anonymous = await PostAsync(server, "anon.bin", 10);
        Assert.Equal(401, anonymous.Status);
        Assert.NotNull(anonymous.Header("WWW-Authenticate"));

        string location = await CreateAsync(server, "bob.bin", 5, Bob);
        Assert.Equal(401, (await HeadAsync(server, location)).Status);
        await using RawHttpConnection c = await server.ConnectAsync();
        await c.SendAsync(PatchHead(location, 0, 5));
        await c.SendAsync("hello"u8.ToArray());
        Assert.Equal(401, (await c.ReadResponseAsync()).Status);
        Assert.False(File.Exists(server.PathOf("bob.bin")));
    }

    // The handler gets the authenticated user: an upload is its creator's, another user's HEAD and
    // PATCH are 404, and the creator completes it.
    [Fact]
    public async Task AnUploadBelongsToTheUserWhoCreatedIt()
    {
        await using TestServer server = StartWithAuth();
        byte[] bytes = RandomNumberGenerator.GetBytes(70_000);
        string location = await CreateAsync(server, "mine.bin", bytes.Length, Bob);

        Assert.Equal(404, (await HeadAsync(server, location, Eve)).Status);
        await using (RawHttpConnection c = await server.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, 0, bytes.Length, Eve));
            await c.SendAsync(bytes);
            Assert.Equal(404, (await c.ReadResponseAsync()).Status);
        }

        RawResponse head = await HeadAsync(server, location, Bob);
        Assert.Equal(200, head.Status);
        Assert.Equal("0", head.RequireHeader("Upload-Offset"));
        await using (RawHttpConnection c = await server.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, 0, bytes.Length, Bob));
            await c.SendAsync(bytes);
            Assert.Equal(204, (await c.ReadResponseAsync()).Status);
        }

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("mine.bin"))));
    }

    // strategy= names what moved an upload's body into its file (PATCH and PUT), not "inline" (the
    // answer's body). Forced to buffered: the one receive path that no file system refuses.
    [Fact]
    public async Task TheAccessLogNamesTheReceiveStrategyOfAnUpload()
    {
        await using TestServer server = TestServer.Start(configure: o => WithUploads(o) with { ReceiveOption = Sluice.Core.Policy.ReceiveStrategyOption.Buffered });
        string location = await CreateAsync(server, "logged.bin", 4096);
        await using (RawHttpConnection c = await server.ConnectAsync())
        {
            await c.SendAsync(PatchHead(location, 0, 4096));
            await c.SendAsync(new byte[4096]);
            Assert.Equal(204, (await c.ReadResponseAsync()).Status);
        }

        Assert.Equal(201, (await Sluice.Server.Tests.Uploads.UploadClient.PutAsync(server, "/put.bin", new byte[1000])).Status);

        string patchLine = Assert.Single(server.AccessLog.Split('\n'), l => l.Contains("\"PATCH ", StringComparison.Ordinal));
        Assert.Contains("strategy=buffered ", patchLine, StringComparison.Ordinal);
        string putLine = Assert.Single(server.AccessLog.Split('\n'), l => l.Contains("\"PUT ", StringComparison.Ordinal));
        Assert.Contains("strategy=buffered ", putLine, StringComparison.Ordinal);
        string postLine = Assert.Single(server.AccessLog.Split('\n'), l => l.Contains("\"POST ", StringComparison.Ordinal));
        Assert.Contains("strategy=inline ", postLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEndpointIsNotServedWithoutUploads()
    {
        await using TestServer server = TestServer.Start();
        RawResponse options = await server.GetAsync("/-/uploads/", method: "OPTIONS");
        Assert.Null(options.Header("Tus-Resumable"));
    }
}
