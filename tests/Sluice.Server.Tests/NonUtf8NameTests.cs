using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests;

// Linux names are bytes: a name that is not UTF-8 is listed, linked by its exact bytes
// percent-encoded, served, and accepted by uploads, all against the real server on 127.0.0.1.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class NonUtf8NameTests
{
    private static readonly byte[] s_latin1 = [.. "caf"u8, 0xE9, .. ".txt"u8];
    private static readonly byte[] s_ffFe = [0xFF, 0xFE];
    private static readonly byte[] s_directory = [(byte)'d', 0xC0, 0xAE, 0xFF];
    private static readonly byte[] s_inner = [.. "in"u8, 0xE9, .. ".bin"u8];
    private static readonly byte[] s_overlongDots = [0xC0, 0xAE, 0xC0, 0xAE];

    // A "names" directory in the served root holding each kind of name, with distinct contents.
    private static Dictionary<string, byte[]> CreateNames(TestServer server)
    {
        Directory.CreateDirectory(server.PathOf("names"));
        var contents = new Dictionary<string, byte[]>
        {
            ["caf%E9.txt"] = RandomBytes(100_003, seed: 11),
            ["%FF%FE"] = RandomBytes(70_001, seed: 12),
            ["d%C0%AE%FF/in%E9.bin"] = RandomBytes(5_000, seed: 13),
        };
        RawNames.CreateFile(RawNames.Join(server.PathOf("names"), s_latin1), contents["caf%E9.txt"]);
        RawNames.CreateFile(RawNames.Join(server.PathOf("names"), s_ffFe), contents["%FF%FE"]);
        RawNames.CreateDirectory(RawNames.Join(server.PathOf("names"), s_directory));
        RawNames.CreateFile(RawNames.Join(server.PathOf("names"), s_directory, s_inner), contents["d%C0%AE%FF/in%E9.bin"]);
        return contents;
    }

    [Fact]
    public async Task FilesWhoseNamesAreNotUtf8AreServedByTheirBytes()
    {
        await using var server = TestServer.Start();
        Dictionary<string, byte[]> contents = CreateNames(server);

        foreach ((string encoded, byte[] content) in contents)
        {
            RawResponse response = await server.GetAsync("/names/" + encoded);
            Assert.True(response.Status == 200, $"{encoded}: {response}");
            Assert.Equal(Fixtures.Sha256(content), Fixtures.Sha256(response.Body));
        }

        // Hex digits in either case are the same bytes.
        Assert.Equal(Fixtures.Sha256(contents["caf%E9.txt"]), Fixtures.Sha256((await server.GetAsync("/names/caf%e9.txt")).Body));
        // The U+FFFD that .NET's lossy decoding would have made names nothing.
        Assert.Equal(404, (await server.GetAsync("/names/caf%EF%BF%BD.txt")).Status);
        // The access log keeps the request's bytes as sent.
        Assert.Contains("GET /names/caf%E9.txt HTTP/1.1", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListingLinksFetchEveryName()
    {
        await using var server = TestServer.Start();
        Dictionary<string, byte[]> contents = CreateNames(server);

        RawResponse listing = await server.GetAsync("/names/");
        Assert.Equal(200, listing.Status);
        // The page is valid UTF-8; a bad byte is shown as U+FFFD, its href carries the byte.
        string html = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(listing.Body);
        Assert.Contains(">caf\uFFFD.txt<", html, StringComparison.Ordinal);
        Assert.Contains(">\uFFFD\uFFFD<", html, StringComparison.Ordinal);
        Assert.Equal(["%FF%FE", "caf%E9.txt", "d%C0%AE%FF/"], Hrefs(html).Order(StringComparer.Ordinal));

        RawResponse inner = await server.GetAsync("/names/d%C0%AE%FF/");
        Assert.Equal(200, inner.Status);
        Assert.Equal(["in%E9.bin"], Hrefs(inner.BodyText));

        foreach ((string encoded, byte[] content) in contents)
        {
            RawResponse file = await server.GetAsync("/names/" + encoded);
            Assert.Equal(Fixtures.Sha256(content), Fixtures.Sha256(file.Body));
        }
    }

    [Fact]
    public async Task OverlongDotsAreANameNotTheParent()
    {
        await using var server = TestServer.Start();

        // Nothing is named C0 AE C0 AE yet: 404, and never the secret beside the root.
        RawResponse missing = await server.GetAsync("/%C0%AE%C0%AE/secret.txt");
        Assert.Equal(404, missing.Status);
        Assert.DoesNotContain("TOP-SECRET", Encoding.Latin1.GetString(missing.Body), StringComparison.Ordinal);

        // Once a directory has exactly those bytes as its name, the same URL names the file in it.
        RawNames.CreateDirectory(RawNames.Join(server.Root, s_overlongDots));
        RawNames.CreateFile(RawNames.Join(server.Root, s_overlongDots, "secret.txt"u8.ToArray()), "not the secret\n"u8.ToArray());
        RawResponse found = await server.GetAsync("/%C0%AE%C0%AE/secret.txt");
        Assert.Equal(200, found.Status);
        Assert.Equal("not the secret\n", found.BodyText);
    }

    [Fact]
    public async Task CurlFetchesTheEncodedUrl()
    {
        await using var server = TestServer.Start();
        Dictionary<string, byte[]> contents = CreateNames(server);
        string output = Path.Combine(server.BaseDirectory, "curl-out");

        (int exit, string stderr) = await CurlProcess.RunAsync("-sS", "--fail", "-o", output, $"http://127.0.0.1:{server.Port}/names/d%C0%AE%FF/in%E9.bin");

        Assert.True(exit == 0, stderr);
        Assert.Equal(Fixtures.Sha256(contents["d%C0%AE%FF/in%E9.bin"]), Fixtures.Sha256OfFile(output));
    }

    [Fact]
    public async Task UploadsCreateAndDeleteExactlyThoseBytes()
    {
        await using var server = StartWithUploads();
        Directory.CreateDirectory(server.PathOf("up"));
        byte[] body = RandomBytes(200_001, seed: 21);

        Assert.Equal(201, (await PutAsync(server, "/up/new%FF%E9.bin", body)).Status);
        byte[]? stored = RawNames.ReadFile(RawNames.Join(server.PathOf("up"), [.. "new"u8, 0xFF, 0xE9, .. ".bin"u8]));
        Assert.NotNull(stored);
        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256(stored));
        Assert.Single(Directory.GetFileSystemEntries(server.PathOf("up")));

        Assert.Equal(201, (await SendAsync(server, "MKCOL", "/up/m%C0%AE")).Status);
        Assert.True(RawNames.IsDirectory(RawNames.Join(server.PathOf("up"), [(byte)'m', 0xC0, 0xAE])));

        Assert.Equal(204, (await SendAsync(server, "DELETE", "/up/new%FF%E9.bin")).Status);
        Assert.Null(RawNames.ReadFile(RawNames.Join(server.PathOf("up"), [.. "new"u8, 0xFF, 0xE9, .. ".bin"u8])));
    }

    private static string[] Hrefs(string html) =>
        HrefRegex().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(h => !h.StartsWith("..", StringComparison.Ordinal)).ToArray();

    // Entry links only: sort, breadcrumb, archive and paging links carry a class or rel before their href.
    [GeneratedRegex("<a href=\"([^\"]*)\"")]
    private static partial Regex HrefRegex();
}
