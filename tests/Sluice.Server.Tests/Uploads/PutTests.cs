using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// PUT against the real server: bytes, statuses, preconditions, Expect: 100-continue, aborts.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PutTests
{
    [Fact]
    public async Task PutCreatesThenReplacesAndTheBytesMatch()
    {
        await using var server = StartWithUploads();
        byte[] first = RandomBytes((1024 * 1024) + 7, seed: 1);
        RawResponse created = await PutAsync(server, "/new.bin", first);
        Assert.Equal(201, created.Status);
        Assert.Equal(Fixtures.Sha256(first), Fixtures.Sha256OfFile(server.PathOf("new.bin")));

        byte[] second = RandomBytes(300_001, seed: 2);
        RawResponse replaced = await PutAsync(server, "/new.bin", second);
        Assert.Equal(204, replaced.Status);
        Assert.Null(replaced.Header("Content-Length"));
        Assert.Equal(Fixtures.Sha256(second), Fixtures.Sha256OfFile(server.PathOf("new.bin")));

        // The ETag of the answer is the one a GET of the new file carries, and the GET serves the new bytes.
        RawResponse get = await server.GetAsync("/new.bin");
        Assert.Equal(replaced.RequireHeader("ETag"), get.RequireHeader("ETag"));
        Assert.Equal(Fixtures.Sha256(second), Fixtures.Sha256(get.Body));
        Assert.Equal(["new.bin"], Names(server.Root).Where(n => n.Contains("new", StringComparison.Ordinal) || n.StartsWith(".sluice", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnEmptyPutCreatesAnEmptyFileWithTheConfiguredMode()
    {
        await using var server = StartWithUploads(u => u with { FileMode = Convert.ToInt32("600", 8) });
        Assert.Equal(201, (await PutAsync(server, "/listing/empty.txt", [])).Status);
        var info = new FileInfo(server.PathOf("listing/empty.txt"));
        Assert.Equal(0, info.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(info.FullName));
    }

    [Fact]
    public async Task AClientKilledMidUploadLeavesNoFileAndNoLitter()
    {
        await using var server = StartWithUploads();
        string directory = server.PathOf("listing/sub");
        string[] before = Names(directory);
        await using (RawHttpConnection connection = await server.ConnectAsync())
        {
            byte[] body = RandomBytes(2 * 1024 * 1024, seed: 3);
            await connection.SendAsync(Encoding.ASCII.GetBytes(PutHead("/listing/sub/cut.bin", body.Length)).Concat(body.Take(body.Length / 2)).ToArray());
            // Let the server write part of the first half into the unnamed file, then vanish mid-write.
            Assert.True(await Wait.UntilAsync(() => UnnamedFileBytes(directory) > 0, TimeSpan.FromSeconds(10)), "no O_TMPFILE under the target's directory took bytes");
            connection.Abort();
        }

        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 0, TimeSpan.FromSeconds(10)));
        Assert.Equal(before, Names(directory));
        Assert.Equal(404, (await server.GetAsync("/listing/sub/cut.bin")).Status);
    }

    // Bytes in the O_TMPFILE files this process (the in-process server) holds open in directory:
    // /proc/self/fd names them "<directory>/#<inode> (deleted)"; opening the link reopens the file
    // itself (FileInfo.Length would be the link's own size).
    private static long UnnamedFileBytes(string directory)
    {
        long bytes = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(directory + "/#", StringComparison.Ordinal) && target.EndsWith(" (deleted)", StringComparison.Ordinal))
                {
                    using var file = File.OpenHandle(fd, FileMode.Open, FileAccess.Read);
                    bytes += RandomAccess.GetLength(file);
                }
            }
            catch (IOException)
            {
                // The descriptor closed between the listing and the look.
            }
        }

        return bytes;
    }

    [Fact]
    public async Task TwoRacingCreateOnlyPutsGetExactlyOne201AndOne412()
    {
        await using var server = StartWithUploads();
        byte[] a = RandomBytes(600_000, seed: 4);
        byte[] b = RandomBytes(600_000, seed: 5);
        await using RawHttpConnection first = await server.ConnectAsync();
        await using RawHttpConnection second = await server.ConnectAsync();
        // Both pass the early check (nothing there yet), then race to commit.
        await first.SendAsync(Encoding.ASCII.GetBytes(PutHead("/race.bin", a.Length, "If-None-Match: *\r\n")).Concat(a.Take(1000)).ToArray());
        await second.SendAsync(Encoding.ASCII.GetBytes(PutHead("/race.bin", b.Length, "If-None-Match: *\r\n")).Concat(b.Take(1000)).ToArray());
        await Task.WhenAll(first.SendAsync(a.AsMemory(1000)), second.SendAsync(b.AsMemory(1000)));
        RawResponse[] responses = await Task.WhenAll(first.ReadResponseAsync(), second.ReadResponseAsync());
        Assert.Equal([201, 412], responses.Select(r => r.Status).Order());
        byte[] winner = responses[0].Status == 201 ? a : b;
        Assert.Equal(Fixtures.Sha256(winner), Fixtures.Sha256OfFile(server.PathOf("race.bin")));
        Assert.DoesNotContain(Names(server.Root), n => n.StartsWith(".sluice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IfMatchReplacesOnlyTheVersionItNames()
    {
        await using var server = StartWithUploads();
        byte[] original = RandomBytes(1000, seed: 6);
        string etag = (await PutAsync(server, "/versioned.bin", original)).RequireHeader("ETag");

        RawResponse stale = await PutAsync(server, "/versioned.bin", RandomBytes(1000, seed: 7), "If-Match: \"0-0\"\r\n");
        Assert.Equal(412, stale.Status);
        Assert.Equal(Fixtures.Sha256(original), Fixtures.Sha256OfFile(server.PathOf("versioned.bin")));

        Assert.Equal(412, (await PutAsync(server, "/absent.bin", original, "If-Match: *\r\n")).Status);
        Assert.False(File.Exists(server.PathOf("absent.bin")));

        byte[] update = RandomBytes(1000, seed: 8);
        Assert.Equal(204, (await PutAsync(server, "/versioned.bin", update, $"If-Match: {etag}\r\n")).Status);
        Assert.Equal(Fixtures.Sha256(update), Fixtures.Sha256OfFile(server.PathOf("versioned.bin")));
        Assert.Equal(412, (await PutAsync(server, "/versioned.bin", original, "If-None-Match: *\r\n")).Status);
    }

    [Fact]
    public async Task ExpectContinueGets100BeforeTheBody()
    {
        await using var server = StartWithUploads();
        byte[] body = RandomBytes(200_000, seed: 9);
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/continued.bin", body.Length, "Expect: 100-continue\r\n"));
        RawResponse interim = await connection.ReadHeadAsync();
        Assert.Equal(100, interim.Status);
        await connection.SendAsync(body);
        Assert.Equal(201, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(server.PathOf("continued.bin")));

        // The connection stays usable: the next request on it is answered.
        await connection.SendAsync("GET /continued.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256((await connection.ReadResponseAsync()).Body));
    }

    [Fact]
    public async Task ATooLargeUploadWithExpectContinueIs413WithoutTheBodyBeingRead()
    {
        await using var server = StartWithUploads(u => u with { MaxUploadSize = 1000 });
        await using RawHttpConnection connection = await server.ConnectAsync();
        // Only the head is ever sent: a final answer can only come without the body being read,
        // and no 100 Continue may precede it.
        await connection.SendAsync(PutHead("/big.bin", 10_000_000, "Expect: 100-continue\r\n"));
        RawResponse response = await connection.ReadResponseAsync();
        Assert.Equal(413, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Empty(await connection.ReadToEndAsync(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists(server.PathOf("big.bin")));
    }

    [Fact]
    public async Task ASmallUnreadBodyIsDiscardedAndTheConnectionSurvives()
    {
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        // 412 before the body is read; the 10-byte body must not be parsed as the next request.
        await connection.SendAsync(PutHead("/tiny.txt", 10, "If-None-Match: *\r\n") + "0123456789");
        Assert.Equal(412, (await connection.ReadResponseAsync()).Status);
        await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        RawResponse next = await connection.ReadResponseAsync();
        Assert.Equal(TestServer.TinyText, next.BodyText);
    }

    [Fact]
    public async Task UploadedHtmlIsServedSandboxed()
    {
        await using var server = StartWithUploads();
        Assert.Equal(201, (await PutAsync(server, "/page.html", Encoding.UTF8.GetBytes("<script>alert(1)</script>"))).Status);
        RawResponse page = await server.GetAsync("/page.html");
        Assert.Equal("sandbox", page.Header("Content-Security-Policy"));
        Assert.Equal("nosniff", page.Header("X-Content-Type-Options"));
        Assert.Null((await server.GetAsync("/tiny.txt")).Header("Content-Security-Policy"));
    }
}
