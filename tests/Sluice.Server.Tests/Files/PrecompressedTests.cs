using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// --precompressed on the real server: a request of app.js is answered with app.js.br / .zst / .gz
// when the client accepts the coding and the sibling is usable. Every sibling holds different
// random bytes, so the SHA-256 of a body names the file that was sent.
public sealed class PrecompressedTests
{
    private const int OriginalLength = 50_000;

    private static TestServer Start(StrategyOption strategy = StrategyOption.Sendfile, bool precompressed = true) =>
        TestServer.Start(strategy, o => o with { Precompressed = precompressed });

    // app.js and whichever siblings are named, each newer than (or as new as) app.js.
    private static void WriteSet(TestServer server, string name, params string[] suffixes)
    {
        Fixtures.WriteRandomFile(server.PathOf(name), OriginalLength, seed: 1);
        DateTime originalTime = File.GetLastWriteTimeUtc(server.PathOf(name));
        int seed = 2;
        foreach (string suffix in suffixes)
        {
            Fixtures.WriteRandomFile(server.PathOf(name + suffix), 10_000 + (seed * 1000), seed);
            File.SetLastWriteTimeUtc(server.PathOf(name + suffix), originalTime.AddSeconds(1));
            seed++;
        }
    }

    private static Task<RawResponse> GetEncoded(TestServer server, string target, string acceptEncoding, string extra = "", string method = "GET") =>
        server.GetAsync(target, $"Accept-Encoding: {acceptEncoding}\r\n{extra}", method);

    private static void AssertServed(TestServer server, RawResponse response, string file, string? coding)
    {
        Assert.True(response.Status == 200, response.ToString());
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(file)), Fixtures.Sha256(response.Body));
        Assert.Equal(new FileInfo(server.PathOf(file)).Length, response.ContentLength);
        Assert.Equal(coding, response.Header("Content-Encoding"));
        Assert.Equal("Accept-Encoding", response.Header("Vary"));
    }

    [Theory]
    [InlineData("br", ".br", "br")]
    [InlineData("zstd", ".zst", "zstd")]
    [InlineData("gzip", ".gz", "gzip")]
    [InlineData("x-gzip", ".gz", "gzip")]
    public async Task EachCodingIsServedWithItsHeadersAndBytes(string accept, string suffix, string coding)
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br", ".zst", ".gz");

        RawResponse identity = await server.GetAsync("/app.js");
        RawResponse encoded = await GetEncoded(server, "/app.js", accept);
        RawResponse direct = await GetEncoded(server, "/app.js" + suffix, accept);

        AssertServed(server, encoded, "app.js" + suffix, coding);
        Assert.Equal("text/javascript; charset=utf-8", encoded.Header("Content-Type")); // the original's type
        Assert.Equal("bytes", encoded.Header("Accept-Ranges"));
        string etag = encoded.RequireHeader("ETag");
        Assert.EndsWith($"-{coding}\"", etag, StringComparison.Ordinal);
        Assert.NotEqual(identity.RequireHeader("ETag"), etag);
        Assert.NotEqual(direct.RequireHeader("ETag"), etag);

        // A direct request for the sibling is an ordinary file: its own type, no coding, no Vary.
        Assert.Equal(200, direct.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("app.js" + suffix)), Fixtures.Sha256(direct.Body));
        Assert.Null(direct.Header("Content-Encoding"));
        Assert.Null(direct.Header("Vary"));
        Assert.NotEqual("text/javascript; charset=utf-8", direct.Header("Content-Type"));
    }

    [Theory]
    [InlineData("gzip, deflate, br, zstd", ".br", "br")]      // server preference among equals
    [InlineData("gzip, zstd", ".zst", "zstd")]
    [InlineData("br;q=0.5, zstd;q=0.6, gzip;q=0.7", ".gz", "gzip")]
    [InlineData("br;q=0, zstd;q=0, gzip", ".gz", "gzip")]
    [InlineData("*", ".br", "br")]
    [InlineData("*, br;q=0", ".zst", "zstd")]
    [InlineData("br;q=0.4, gzip;q=0.5, identity;q=0.45", ".gz", "gzip")]
    public async Task QValuesAndServerPreferenceChooseTheVariant(string accept, string suffix, string coding)
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br", ".zst", ".gz");
        AssertServed(server, await GetEncoded(server, "/app.js", accept), "app.js" + suffix, coding);
    }

    [Theory]
    [InlineData("gzip;q=0")]
    [InlineData("br, zstd, gzip;q=0")]
    [InlineData("*;q=0")]
    [InlineData("gzip;q=0.5, identity")]                     // the client prefers identity
    [InlineData("")]
    [InlineData("deflate, compress")]
    public async Task RefusedOrUnwantedCodingsGetIdentity(string accept)
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".gz");
        AssertServed(server, await GetEncoded(server, "/app.js", accept), "app.js", null);
    }

    [Fact]
    public async Task NoAcceptEncodingFieldGetsIdentity()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br", ".gz");
        AssertServed(server, await server.GetAsync("/app.js"), "app.js", null);
    }

    [Fact]
    public async Task NoSiblingGetsIdentityWithVary()
    {
        await using TestServer server = Start();
        AssertServed(server, await GetEncoded(server, "/tiny.txt", "br, zstd, gzip"), "tiny.txt", null);
    }

    [Fact]
    public async Task AMissingPreferredSiblingFallsToTheNextCoding()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".gz");
        AssertServed(server, await GetEncoded(server, "/app.js", "br, zstd, gzip"), "app.js.gz", "gzip");
    }

    [Fact]
    public async Task AStaleSiblingIsIgnored()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br", ".gz");
        DateTime original = File.GetLastWriteTimeUtc(server.PathOf("app.js"));

        // Older than the original by a millisecond: the original was edited after the build.
        File.SetLastWriteTimeUtc(server.PathOf("app.js.br"), original.AddMilliseconds(-1));
        AssertServed(server, await GetEncoded(server, "/app.js", "br, gzip"), "app.js.gz", "gzip");

        File.SetLastWriteTimeUtc(server.PathOf("app.js.gz"), original.AddSeconds(-10));
        AssertServed(server, await GetEncoded(server, "/app.js", "br, gzip"), "app.js", null);

        // As new as the original (gzip -k keeps the mtime) is not stale. Both set by the same call:
        // the file system keeps nanoseconds, DateTime only 100 ns ticks.
        File.SetLastWriteTimeUtc(server.PathOf("app.js"), original);
        File.SetLastWriteTimeUtc(server.PathOf("app.js.gz"), original);
        AssertServed(server, await GetEncoded(server, "/app.js", "br, gzip"), "app.js.gz", "gzip");
    }

    [Fact]
    public async Task RangesCountBytesOfTheEncodedVariant()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br");
        string sibling = server.PathOf("app.js.br");
        long length = new FileInfo(sibling).Length;

        RawResponse single = await GetEncoded(server, "/app.js", "br", "Range: bytes=100-1099\r\n");
        Assert.True(single.Status == 206, single.ToString());
        Assert.Equal($"bytes 100-1099/{length}", single.Header("Content-Range"));
        Assert.Equal("br", single.Header("Content-Encoding"));
        Assert.Equal("Accept-Encoding", single.Header("Vary"));
        Fixtures.AssertBytes(Fixtures.Slice(sibling, 100, 1000), single.Body, "bytes=100-1099 of app.js.br");

        RawResponse suffix = await GetEncoded(server, "/app.js", "br", "Range: bytes=-10\r\n");
        Fixtures.AssertBytes(Fixtures.Slice(sibling, length - 10, 10), suffix.Body, "bytes=-10 of app.js.br");

        // Past the end of the variant (though inside the original): 416 with the variant's length.
        RawResponse unsatisfiable = await GetEncoded(server, "/app.js", "br", $"Range: bytes={length}-\r\n");
        Assert.Equal(416, unsatisfiable.Status);
        Assert.Equal($"bytes */{length}", unsatisfiable.Header("Content-Range"));
        Assert.Null(unsatisfiable.Header("Content-Encoding"));

        // Several ranges: the multipart body is not encoded, each part says it is a range of br.
        RawResponse multi = await GetEncoded(server, "/app.js", "br", "Range: bytes=0-9, 5000-5099\r\n");
        Assert.Equal(206, multi.Status);
        Assert.Null(multi.Header("Content-Encoding"));
        List<BytePart> parts = Multipart.Parse(multi.Body, Multipart.Boundary(multi.RequireHeader("Content-Type")));
        Assert.Equal(2, parts.Count);
        Assert.All(parts, p => Assert.Equal("text/javascript; charset=utf-8", p.ContentType));
        Assert.All(parts, p => Assert.Equal(length, p.CompleteLength));
        Fixtures.AssertBytes(Fixtures.Slice(sibling, 5000, 100), parts[1].Bytes, "part 2");
        Assert.Equal(2, Regex.Count(Encoding.Latin1.GetString(multi.Body), "\r\nContent-Encoding: br\r\n"));
    }

    [Fact]
    public async Task IfRangeComparesTheVariantsValidator()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br");
        string variantTag = (await GetEncoded(server, "/app.js", "br")).RequireHeader("ETag");
        string identityTag = (await server.GetAsync("/app.js")).RequireHeader("ETag");

        RawResponse matching = await GetEncoded(server, "/app.js", "br", $"Range: bytes=0-99\r\nIf-Range: {variantTag}\r\n");
        Assert.Equal(206, matching.Status);

        // The identity's tag does not validate the br representation: the whole variant comes.
        RawResponse other = await GetEncoded(server, "/app.js", "br", $"Range: bytes=0-99\r\nIf-Range: {identityTag}\r\n");
        AssertServed(server, other, "app.js.br", "br");
    }

    [Fact]
    public async Task NotModifiedCarriesTheVariantsETag()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".br");
        string variantTag = (await GetEncoded(server, "/app.js", "br")).RequireHeader("ETag");
        string identityTag = (await server.GetAsync("/app.js")).RequireHeader("ETag");

        RawResponse notModified = await GetEncoded(server, "/app.js", "br", $"If-None-Match: {variantTag}\r\n");
        Assert.Equal(304, notModified.Status);
        Assert.Equal(variantTag, notModified.Header("ETag"));
        Assert.Equal("Accept-Encoding", notModified.Header("Vary"));
        Assert.Empty(notModified.Body);

        // A cache holding the identity asks with its tag; the selected representation is br.
        AssertServed(server, await GetEncoded(server, "/app.js", "br", $"If-None-Match: {identityTag}\r\n"), "app.js.br", "br");

        // And a client that takes no coding revalidates the identity with the identity's tag.
        Assert.Equal(304, (await server.GetAsync("/app.js", $"If-None-Match: {identityTag}\r\n")).Status);
        Assert.Equal(200, (await server.GetAsync("/app.js", $"If-None-Match: {variantTag}\r\n")).Status);
    }

    [Fact]
    public async Task HeadDescribesTheVariant()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".zst");
        RawResponse head = await GetEncoded(server, "/app.js", "zstd", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal(new FileInfo(server.PathOf("app.js.zst")).Length, head.ContentLength);
        Assert.Equal("zstd", head.Header("Content-Encoding"));
        Assert.Equal("Accept-Encoding", head.Header("Vary"));
        Assert.Empty(head.Body);
    }

    [Fact]
    public async Task SiblingsObeyTheSymlinkAndDotfileRules()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js");
        DateTime later = File.GetLastWriteTimeUtc(server.PathOf("app.js")).AddSeconds(1);

        // A sibling that leads out of the root (the secret outside it is newer) is never sent.
        File.SetLastWriteTimeUtc(server.SecretPath, later);
        File.CreateSymbolicLink(server.PathOf("app.js.br"), server.SecretPath);
        File.CreateSymbolicLink(server.PathOf("app.js.zst"), Path.Combine("..", "secret.txt"));

        // A sibling that resolves to a hidden file inside the root is refused as the hidden file is.
        Fixtures.WriteRandomFile(server.PathOf(".hidden.gz"), 5000, seed: 9);
        File.SetLastWriteTimeUtc(server.PathOf(".hidden.gz"), later);
        File.CreateSymbolicLink(server.PathOf("app.js.gz"), ".hidden.gz");

        RawResponse response = await GetEncoded(server, "/app.js", "br, zstd, gzip");
        AssertServed(server, response, "app.js", null);
        Assert.DoesNotContain("TOP-SECRET", TestServer.Ascii(response.Body), StringComparison.Ordinal);

        // A link that stays inside the root to a visible file is served, as link-in is.
        File.Delete(server.PathOf("app.js.gz"));
        Fixtures.WriteRandomFile(server.PathOf("build.gz"), 7000, seed: 10);
        File.SetLastWriteTimeUtc(server.PathOf("build.gz"), later);
        File.CreateSymbolicLink(server.PathOf("app.js.gz"), "build.gz");
        AssertServed(server, await GetEncoded(server, "/app.js", "br, zstd, gzip"), "build.gz", "gzip");
    }

    [Fact]
    public async Task ADirectoryNamedLikeASiblingIsPassedOver()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".gz");
        Directory.CreateDirectory(server.PathOf("app.js.br"));
        Directory.SetLastWriteTimeUtc(server.PathOf("app.js.br"), DateTime.UtcNow.AddMinutes(1));
        AssertServed(server, await GetEncoded(server, "/app.js", "br, gzip"), "app.js.gz", "gzip");
    }

    [Fact]
    public async Task WithoutTheOptionSiblingsAreIgnored()
    {
        await using TestServer server = Start(precompressed: false);
        WriteSet(server, "app.js", ".br", ".gz");
        RawResponse response = await GetEncoded(server, "/app.js", "br, gzip");
        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("app.js")), Fixtures.Sha256(response.Body));
        Assert.Null(response.Header("Content-Encoding"));
        Assert.Null(response.Header("Vary"));
    }

    [Fact]
    public async Task TheIndexPageHasVariantsToo()
    {
        await using TestServer server = Start();
        Fixtures.WriteRandomFile(server.PathOf("dir/index.html.gz"), 3000, seed: 11);
        RawResponse response = await GetEncoded(server, "/dir/", "gzip");
        AssertServed(server, response, "dir/index.html.gz", "gzip");
        Assert.Equal("text/html; charset=utf-8", response.Header("Content-Type"));
    }

    [Fact]
    public async Task SiblingOpensThatNeedTheDiskRunOnTheEngine()
    {
        await using TestServer server = Start();
        WriteSet(server, "app.js", ".zst", ".gz");
        server.Server.Handler.ForceEngineOpens = true;
        long before = server.Server.Handler.EngineOpens;
        AssertServed(server, await GetEncoded(server, "/app.js", "br, zstd, gzip"), "app.js.zst", "zstd");

        // app.js, then app.js.br (missing), then app.js.zst.
        Assert.Equal(3, server.Server.Handler.EngineOpens - before);
    }

    // A sibling above --direct-threshold goes by every strategy; its bytes are the sibling's.
    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task ALargeSiblingArrivesIntactByEveryStrategy(StrategyOption strategy)
    {
        await using TestServer server = Start(strategy);
        Fixtures.WriteRandomFile(server.PathOf("big.tar"), 1000, seed: 3);
        Fixtures.WriteRandomFile(server.PathOf("big.tar.br"), (6 * 1024 * 1024) + 321, seed: 4);

        AssertServed(server, await GetEncoded(server, "/big.tar", "br"), "big.tar.br", "br");
        RawResponse range = await GetEncoded(server, "/big.tar", "br", "Range: bytes=4097-5000000\r\n");
        Assert.Equal(206, range.Status);
        Fixtures.AssertBytes(Fixtures.Slice(server.PathOf("big.tar.br"), 4097, 5000000 - 4097 + 1), range.Body, "bytes=4097-5000000 of big.tar.br");

        if (strategy != StrategyOption.Auto)
        {
            Assert.Contains($"strategy={strategy.ToString().ToLowerInvariant()}", server.AccessLog);
        }

        Assert.DoesNotContain("falling back", server.DiagnosticsLog);
    }
}
