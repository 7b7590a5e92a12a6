using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// Listing views against the real server: JSON by query or by Accept (and Vary), compression once
// per cached view, the entry cap applied in the requested order.
public sealed partial class ListingViewTests
{
    [GeneratedRegex("<a href=\"([^\"]*)\"")]
    private static partial Regex EntryHref();

    private static string[] Hrefs(string html) => EntryHref().Matches(html).Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public async Task JsonByQueryOrByAcceptWithVaryAccept()
    {
        await using var server = TestServer.Start();

        RawResponse html = await server.GetAsync("/listing/", "Accept: text/html,*/*;q=0.8\r\n");
        Assert.Equal("text/html; charset=utf-8", html.Header("Content-Type"));
        Assert.Contains("Accept", html.HeaderValues("Vary"));

        RawResponse negotiated = await server.GetAsync("/listing/", "Accept: application/json\r\n");
        Assert.Equal("application/json", negotiated.Header("Content-Type"));
        Assert.Contains("Accept", negotiated.HeaderValues("Vary"));
        using JsonDocument doc = JsonDocument.Parse(negotiated.Body);
        string[] names = doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["sub", "a&b <c>.txt", "plain.txt"], names);
        Assert.Equal("/listing/", doc.RootElement.GetProperty("path").GetString());

        RawResponse byQuery = await server.GetAsync("/listing/?json");
        Assert.Equal("application/json", byQuery.Header("Content-Type"));
        Assert.DoesNotContain("Accept", byQuery.HeaderValues("Vary")); // the query alone decides
        Assert.Equal(negotiated.Body, byQuery.Body);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task ACompressedListingDecodesToThePlainOneAndIsCompressedOnce(string coding)
    {
        await using var server = TestServer.Start();
        RawResponse plain = await server.GetAsync("/listing/?sort=size");

        RawResponse first = await server.GetAsync("/listing/?sort=size", $"Accept-Encoding: {coding}\r\n");
        Assert.Equal(coding, first.Header("Content-Encoding"));
        Assert.Contains("Accept-Encoding", first.HeaderValues("Vary"));
        Assert.Equal(first.Body.Length, first.ContentLength);
        Assert.Equal(plain.BodyText, Decode(first.Body, coding));

        // The second request is answered from the cache's compressed copy: the same bytes, one hit.
        long hits = server.Server.Handler.Listings.Hits;
        RawResponse second = await server.GetAsync("/listing/?sort=size", $"Accept-Encoding: {coding}\r\n");
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(hits + 1, server.Server.Handler.Listings.Hits);

        Assert.Null((await server.GetAsync("/listing/?sort=size", "Accept-Encoding: zstd\r\n")).Header("Content-Encoding"));
    }

    private static string Decode(byte[] body, string coding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = coding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(decoder, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task TheEntryCapKeepsTheFirstEntriesOfTheRequestedOrder()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxListingEntries = 3 });
        string dir = server.PathOf("many");
        Directory.CreateDirectory(dir);
        for (int i = 1; i <= 12; i++)
        {
            // Sizes run against names: f1 is the largest.
            File.WriteAllBytes(Path.Combine(dir, $"f{i}.txt"), new byte[(13 - i) * 100]);
        }

        Assert.Equal(["../", "f1.txt", "f2.txt", "f3.txt"], Hrefs((await server.GetAsync("/many/")).BodyText)); // natural: f2 before f10
        Assert.Equal(["../", "f12.txt", "f11.txt", "f10.txt"], Hrefs((await server.GetAsync("/many/?sort=name&order=desc")).BodyText));
        Assert.Equal(["../", "f12.txt", "f11.txt", "f10.txt"], Hrefs((await server.GetAsync("/many/?sort=size")).BodyText));
        RawResponse largest = await server.GetAsync("/many/?sort=size&order=desc");
        Assert.Equal(["../", "f1.txt", "f2.txt", "f3.txt"], Hrefs(largest.BodyText));
        Assert.Contains("Listing truncated", largest.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterAnUploadEveryViewOfTheDirectoryListsTheNewFile()
    {
        await using var server = Uploads.UploadClient.StartWithUploads();
        Assert.DoesNotContain("new.txt", (await server.GetAsync("/listing/?sort=time&order=desc")).BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("new.txt", (await server.GetAsync("/listing/?json")).BodyText, StringComparison.Ordinal);

        Assert.Equal(201, (await Uploads.UploadClient.PutAsync(server, "/listing/new.txt", "x"u8.ToArray())).Status);

        Assert.Contains("new.txt", (await server.GetAsync("/listing/?sort=time&order=desc")).BodyText, StringComparison.Ordinal);
        Assert.Contains("new.txt", (await server.GetAsync("/listing/?json")).BodyText, StringComparison.Ordinal);
    }
}
