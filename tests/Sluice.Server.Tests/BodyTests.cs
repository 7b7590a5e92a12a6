using System.Globalization;
using CsCheck;
using Sluice.Core.Policy;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// File bodies through each transfer mechanism, checked against the file on disk.
public sealed class BodyTests
{
    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task WholeFilesArriveIntact(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        foreach (string name in new[] { "tiny.txt", "empty.bin", "random.bin", "blocks.bin" })
        {
            RawResponse response = await server.GetAsync("/" + name);
            Assert.Equal(200, response.Status);
            long length = new FileInfo(server.PathOf(name)).Length;
            Assert.Equal(length, response.ContentLength);
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf(name)), Fixtures.Sha256(response.Body));
            Assert.Equal("bytes", response.Header("Accept-Ranges"));
            Assert.NotNull(response.Header("ETag"));
            Assert.NotNull(response.Header("Last-Modified"));
            Assert.NotNull(response.Header("Date"));
            Assert.Equal("sluice", response.Header("Server"));
            Assert.Matches("^\"[^\"]+\"$", response.Header("ETag"));
            Assert.Matches(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$", response.Header("Date"));
            DateTime mtime = File.GetLastWriteTimeUtc(server.PathOf(name));
            Assert.Equal(
                new DateTimeOffset(mtime.AddTicks(-(mtime.Ticks % TimeSpan.TicksPerSecond)), TimeSpan.Zero),
                DateTimeOffset.ParseExact(response.Header("Last-Modified")!, "r", CultureInfo.InvariantCulture));
        }

        Assert.Equal("text/plain; charset=utf-8", (await server.GetAsync("/tiny.txt")).Header("Content-Type"));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task RandomSingleRangesMatchSlicesOfTheFile(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string path = server.PathOf("random.bin");
        long length = TestServer.RandomLength;

        // kind 0: first-last, 1: first- (open), 2: -suffix. "last" may run past the end (clamped).
        Gen<(int Kind, long A, long B)> gen = Gen.Select(Gen.Int[0, 2], Gen.Long[0, length - 1], Gen.Long[0, length + 100]);
        await gen.SampleAsync(
            async c =>
            {
                (string spec, long first, long last) = c.Kind switch
                {
                    0 => ($"{c.A}-{c.A + (c.B % 300_000)}", c.A, Math.Min(c.A + (c.B % 300_000), length - 1)),
                    1 => ($"{c.A}-", c.A, length - 1),
                    _ => ($"-{c.B + 1}", Math.Max(0, length - (c.B + 1)), length - 1),
                };

                RawResponse response = await server.GetAsync("/random.bin", $"Range: bytes={spec}\r\n");
                Assert.True(response.Status == 206, $"bytes={spec}: {response}");
                Assert.Equal($"bytes {first}-{last}/{length}", response.Header("Content-Range"));
                Assert.Equal(last - first + 1, response.ContentLength);
                Fixtures.AssertBytes(Fixtures.Slice(path, first, last - first + 1), response.Body, $"bytes={spec}");
            },
            iter: 50,
            threads: 1);
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task RangesNameTheirOwnOffsets(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        foreach ((string spec, long first, long last) in new[]
        {
            ("0-0", 0L, 0L),
            ("16-31", 16L, 31L),
            ("1000-1999", 1000L, 1999L),
            ("1048570-", 1048570L, TestServer.BlocksLength - 1L),
            ("-5", TestServer.BlocksLength - 5L, TestServer.BlocksLength - 1L),
            ("524288-99999999", 524288L, TestServer.BlocksLength - 1L),
        })
        {
            RawResponse response = await server.GetAsync("/blocks.bin", $"Range: bytes={spec}\r\n");
            Assert.Equal(206, response.Status);
            Assert.Equal($"bytes {first}-{last}/{TestServer.BlocksLength}", response.Header("Content-Range"));
            Fixtures.AssertBytes(Fixtures.Blocks(first, (int)(last - first + 1)), response.Body, $"bytes={spec}");
        }
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task MultipleRangesComeAsMultipartByteranges(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string path = server.PathOf("blocks.bin");
        long length = TestServer.BlocksLength;
        (long First, long Last)[] wanted = [(0, 99), (5000, 5099), (700_000, 702_047), (length - 10, length - 1)];
        string header = "bytes=" + string.Join(",", wanted.Select(r => $"{r.First}-{r.Last}"));

        RawResponse response = await server.GetAsync("/blocks.bin", $"Range: {header}\r\n");

        Assert.Equal(206, response.Status);
        Assert.Null(response.Header("Content-Range"));
        Assert.Equal(response.Body.Length, response.ContentLength);
        List<BytePart> parts = Multipart.Parse(response.Body, Multipart.Boundary(response.RequireHeader("Content-Type")));
        Assert.Equal(wanted.Length, parts.Count);
        for (int i = 0; i < wanted.Length; i++)
        {
            Assert.Equal((wanted[i].First, wanted[i].Last, length), (parts[i].First, parts[i].Last, parts[i].CompleteLength));
            Assert.Equal("application/octet-stream", parts[i].ContentType);
            Fixtures.AssertBytes(Fixtures.Slice(path, wanted[i].First, wanted[i].Last - wanted[i].First + 1), parts[i].Bytes, $"part {i}");
        }
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task OverlappingAndNearbyRangesAreCoalesced(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        RawResponse response = await server.GetAsync("/blocks.bin", "Range: bytes=100-199,150-299,310-400\r\n");

        // All within 80 bytes of each other: one range 100-400, sent as a plain 206.
        Assert.Equal(206, response.Status);
        Assert.Equal($"bytes 100-400/{TestServer.BlocksLength}", response.Header("Content-Range"));
        Fixtures.AssertBytes(Fixtures.Blocks(100, 301), response.Body, "coalesced range");
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task RangesAcrossTheFourGibibyteBoundaryOfASparseFile(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string path = server.PathOf("sparse.bin");
        long length = Fixtures.SparseLength;

        RawResponse head = await server.GetAsync("/sparse.bin", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal("4294971392", head.Header("Content-Length"));

        foreach ((string spec, long first, long last) in new[]
        {
            ("4294967290-4294967305", 4294967290L, 4294967305L),
            ("4294967000-4294968999", 4294967000L, 4294968999L),
            ("4294967296-", 4294967296L, length - 1),
            ("-100", length - 100, length - 1),
            ("4294967286-4294967295", 4294967286L, 4294967295L),
        })
        {
            RawResponse response = await server.GetAsync("/sparse.bin", $"Range: bytes={spec}\r\n");
            Assert.Equal(206, response.Status);
            Assert.Equal($"bytes {first}-{last}/{length}", response.Header("Content-Range"));
            byte[] expected = Fixtures.Slice(path, first, last - first + 1);
            Fixtures.AssertBytes(expected, response.Body, $"bytes={spec}");
        }

        // The fixture really has its marker across the boundary, so the comparison above is not all zeros.
        byte[] marker = Fixtures.Slice(path, Fixtures.SparseMarkerOffset, Fixtures.SparseMarker.Length);
        Assert.Equal(Fixtures.SparseMarker, marker);

        RawResponse multi = await server.GetAsync("/sparse.bin", "Range: bytes=0-15,4294967290-4294967305\r\n");
        Assert.Equal(206, multi.Status);
        List<BytePart> parts = Multipart.Parse(multi.Body, Multipart.Boundary(multi.RequireHeader("Content-Type")));
        Assert.Equal(2, parts.Count);
        Assert.Equal((4294967290L, 4294967305L, length), (parts[1].First, parts[1].Last, parts[1].CompleteLength));
        Fixtures.AssertBytes(Fixtures.Slice(path, 4294967290L, 16), parts[1].Bytes, "second part");
        Fixtures.AssertBytes(Fixtures.Slice(path, 0, 16), parts[0].Bytes, "first part");
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task UnsatisfiableRangeGets416WithTheCompleteLength(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        foreach (string spec in new[] { $"{TestServer.BlocksLength}-", $"{TestServer.BlocksLength + 10}-{TestServer.BlocksLength + 20}" })
        {
            RawResponse response = await server.GetAsync("/blocks.bin", $"Range: bytes={spec}\r\n");
            Assert.Equal(416, response.Status);
            Assert.Equal($"bytes */{TestServer.BlocksLength}", response.Header("Content-Range"));
        }

        // An unknown unit is ignored: the whole file.
        RawResponse ignored = await server.GetAsync("/blocks.bin", "Range: lines=1-2\r\n");
        Assert.Equal(200, ignored.Status);
        Assert.Equal(TestServer.BlocksLength, ignored.Body.Length);
    }

    [Fact]
    public void BlockFixtureNamesItsOffsets()
    {
        // The in-memory model used by RangesNameTheirOwnOffsets agrees with the generated file.
        string path = Path.Combine(Path.GetTempPath(), "sluice-blocks-" + Guid.NewGuid().ToString("N"));
        try
        {
            Fixtures.WriteBlocksFile(path, 4099);
            Assert.Equal(File.ReadAllBytes(path), Fixtures.Blocks(0, 4099));
            Assert.Equal("X00000000004080\n", TestServer.Ascii(Fixtures.Blocks(4080, 16)));
            Assert.Equal(4080.ToString("D14", CultureInfo.InvariantCulture), TestServer.Ascii(Fixtures.Blocks(4081, 14)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Each abusive Range has one right answer, so the test can fail for the defect it names. The
    // earlier version sent only headers that are ignored (more than 64 specs) or coalesced into a
    // single part (more than 16 parts), so its multipart check never ran; the cases below include
    // ones that must produce multipart/byteranges, and assert it.
    public static TheoryData<string, int, long[]> AbusiveRanges
    {
        get
        {
            const long L = TestServer.BlocksLength;
            return new()
            {
                // More than 64 specs: the whole header is ignored, the whole file with 200.
                { Join(Enumerable.Range(0, 500).Select(i => $"{i * 2}-{i * 2}")), 200, [] },
                { Join(Enumerable.Repeat("0-", 500)), 200, [] },

                // 64 overlapping whole-file specs: merged into one range, sent once.
                { Join(Enumerable.Repeat("0-", 64)), 206, [0, L - 1] },

                // 60 scattered parts exceed 16: one range spanning them, never 60 part headers.
                { Join(Enumerable.Range(0, 60).Select(i => $"{i * 10_000}-{(i * 10_000) + 1}")), 206, [0, 590_001] },

                // 16 scattered parts, in the client's (descending) order: multipart, each part exact.
                { Join(Enumerable.Range(0, 16).Select(i => $"{(15 - i) * 10_000}-{((15 - i) * 10_000) + 1}")), 206, Enumerable.Range(0, 16).SelectMany(i => new long[] { (15 - i) * 10_000, ((15 - i) * 10_000) + 1 }).ToArray() },

                // 64 specs in 16 clusters of 4 nearby ranges: coalesced to exactly 16 parts.
                { Join(Enumerable.Range(0, 64).Select(i => $"{((i / 4) * 10_000) + ((i % 4) * 20)}-{((i / 4) * 10_000) + ((i % 4) * 20) + 9}")), 206, Enumerable.Range(0, 16).SelectMany(c => new long[] { c * 10_000, (c * 10_000) + 69 }).ToArray() },

                // Suffix and open ranges that overlap everything: one range, the whole file.
                { "bytes=-" + L + ",0-,100-200,-1", 206, [0, L - 1] },
            };

            static string Join(IEnumerable<string> specs) => "bytes=" + string.Join(",", specs);
        }
    }

    [Theory]
    [MemberData(nameof(AbusiveRanges))]
    public async Task RangeAbuseIsBounded(string header, int status, long[] parts)
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/blocks.bin", $"Range: {header}\r\n");

        string what = header.Length > 60 ? header[..60] + "..." : header;
        Assert.True(response.Status == status, $"{what}: expected {status}, got {response}");
        if (status == 200)
        {
            Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("blocks.bin")), Fixtures.Sha256(response.Body));
            return;
        }

        // Never more than the file plus a little framing.
        Assert.True(response.Body.Length <= TestServer.BlocksLength + (16 * 1024), $"{response.Body.Length} bytes for {what}");
        if (parts.Length == 2)
        {
            Assert.Equal($"bytes {parts[0]}-{parts[1]}/{TestServer.BlocksLength}", response.Header("Content-Range"));
            Fixtures.AssertBytes(Fixtures.Blocks(parts[0], (int)(parts[1] - parts[0] + 1)), response.Body, what);
            return;
        }

        Assert.Null(response.Header("Content-Range"));
        List<BytePart> received = Multipart.Parse(response.Body, Multipart.Boundary(response.RequireHeader("Content-Type")));
        Assert.Equal(parts.Length / 2, received.Count);
        for (int i = 0; i < received.Count; i++)
        {
            BytePart part = received[i];
            Assert.Equal((parts[2 * i], parts[(2 * i) + 1]), (part.First, part.Last));
            Fixtures.AssertBytes(Fixtures.Blocks(part.First, part.Bytes.Length), part.Bytes, $"part {part.First}-{part.Last}");
        }
    }

    [Fact]
    public async Task EmptyFileRangesAreUnsatisfiable()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.GetAsync("/empty.bin", "Range: bytes=0-\r\n");
        Assert.Equal(416, response.Status);
        Assert.Equal("bytes */0", response.Header("Content-Range"));
    }

    [Theory]
    [MemberData(nameof(StrategyCases.Basic), MemberType = typeof(StrategyCases))]
    public async Task RewrittenFileIsNeverServedStale(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string path = server.PathOf("tiny.txt");
        DateTime mtime = File.GetLastWriteTimeUtc(path);
        Assert.Equal(TestServer.TinyText, (await server.GetAsync("/tiny.txt")).BodyText);

        // Same length, same mtime: only the content (and ctime) changed.
        File.WriteAllText(path, TestServer.TinyText.ToUpperInvariant());
        File.SetLastWriteTimeUtc(path, mtime);
        Assert.Equal(TestServer.TinyText.ToUpperInvariant(), (await server.GetAsync("/tiny.txt")).BodyText);

        // Replaced by rename, with a different length.
        string replacement = Path.Combine(server.BaseDirectory, "replacement.txt");
        File.WriteAllText(replacement, "replaced\n");
        File.Move(replacement, path, overwrite: true);
        Assert.Equal("replaced\n", (await server.GetAsync("/tiny.txt")).BodyText);

        File.Delete(path);
        Assert.Equal(404, (await server.GetAsync("/tiny.txt")).Status);
    }

    [Fact]
    public async Task QueryStringsAndAbsoluteFormAreServed()
    {
        await using var server = TestServer.Start();
        Assert.Equal(TestServer.TinyText, (await server.GetAsync("/tiny.txt?v=1&x=%2e%2e")).BodyText);
        Assert.Equal(TestServer.TinyText, (await server.GetAsync("http://127.0.0.1/tiny.txt")).BodyText);
        Assert.Equal(TestServer.TinyText, (await server.GetAsync("/%74iny.txt")).BodyText);
    }

    [Theory]
    [MemberData(nameof(StrategyCases.All), MemberType = typeof(StrategyCases))]
    public async Task ConcurrentSlowAndFastReadersAllGetTheirBytes(StrategyOption strategy)
    {
        await using var server = TestServer.Start(strategy);
        string expected = Fixtures.Sha256OfFile(server.PathOf("random.bin"));

        async Task<string> DownloadAsync(int index)
        {
            // Odd clients have a small receive window and pause: their sends hit EAGAIN again and again.
            bool slow = index % 2 == 1;
            await using RawHttpConnection connection = await server.ConnectAsync(receiveBufferSize: slow ? 16 * 1024 : 0);
            await connection.SendAsync("GET /random.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            RawResponse head = await connection.ReadHeadAsync();
            Assert.Equal(200, head.Status);
            using var body = new MemoryStream();
            while (body.Length < TestServer.RandomLength)
            {
                byte[] piece = await connection.ReadUpToAsync(Math.Min(256 * 1024, TestServer.RandomLength - body.Length));
                Assert.NotEmpty(piece);
                body.Write(piece);
                if (slow)
                {
                    await Task.Delay(3);
                }
            }

            return Fixtures.Sha256(body.ToArray());
        }

        string[] hashes = await Task.WhenAll(Enumerable.Range(0, 12).Select(DownloadAsync)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(hashes, h => Assert.Equal(expected, h));
    }
}
