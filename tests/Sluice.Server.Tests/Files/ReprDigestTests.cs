using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Digests;
using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Digests;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Files;

// Repr-Digest (RFC 9530) on the real server over 127.0.0.1: the first request that wants a digest
// is answered without it (the digest is computed off the request path), later ones carry the
// SHA-256 of the whole file, and nothing ever carries a digest of another version.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReprDigestTests
{
    private const string Want = "Want-Repr-Digest: sha-256=10, sha-512=3\r\n";
    private const int LargeLength = (6 * 1024 * 1024) + 77; // above --direct-threshold (4 MiB): read out of the page cache

    private static string ExpectedField(string path) => "sha-256=:" + Convert.ToBase64String(SHA256.HashData(File.ReadAllBytes(path))) + ":";

    private static DigestCounters Counters(TestServer server) => server.Server.ReprDigests!.Counters;

    // Polls (bounded) until a response carries Repr-Digest, and returns that response.
    private static async Task<RawResponse> UntilDigestAsync(TestServer server, string target, string method = "GET", string extra = "")
    {
        RawResponse? last = null;
        await Wait.UntilAsync(
            async () =>
            {
                last = await server.GetAsync(target, Want + extra, method);
                return last.Header("Repr-Digest") is not null;
            },
            TimeSpan.FromSeconds(30));
        return last!;
    }

    [Fact]
    public async Task TheFirstRequestGetsNoDigestAndLaterOnesGetTheFilesSha256()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        Fixtures.WriteRandomFile(server.PathOf("big.bin"), LargeLength, seed: 7);
        string expected = ExpectedField(server.PathOf("big.bin"));

        RawResponse first = await server.GetAsync("/big.bin", Want);
        Assert.Equal(200, first.Status);
        Assert.Null(first.Header("Repr-Digest"));
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("big.bin")), Fixtures.Sha256(first.Body));

        RawResponse later = await UntilDigestAsync(server, "/big.bin");
        Assert.Equal(200, later.Status);
        Assert.Equal(expected, later.Header("Repr-Digest"));
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("big.bin")), Fixtures.Sha256(later.Body));

        // Not asked, not sent; asked with preference 0, not sent.
        Assert.Null((await server.GetAsync("/big.bin")).Header("Repr-Digest"));
        Assert.Null((await server.GetAsync("/big.bin", "Want-Repr-Digest: sha-256=0, sha-512=5\r\n")).Header("Repr-Digest"));
        Assert.Equal(1, Counters(server).Computed);
        Assert.Equal(LargeLength, Counters(server).BytesHashed);
    }

    [Fact]
    public async Task A206AndAHeadCarryTheDigestOfTheWholeFile()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string expected = ExpectedField(server.PathOf("random.bin"));
        Assert.Equal(expected, (await UntilDigestAsync(server, "/random.bin", "HEAD")).Header("Repr-Digest"));

        RawResponse partial = await server.GetAsync("/random.bin", Want + "Range: bytes=100-4195\r\n");
        Assert.Equal(206, partial.Status);
        Assert.Equal(4096, partial.Body.Length);
        Assert.Equal(expected, partial.Header("Repr-Digest"));

        RawResponse head = await server.GetAsync("/random.bin", Want, "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal(expected, head.Header("Repr-Digest"));

        // 416 describes no representation's bytes: no digest.
        RawResponse unsatisfiable = await server.GetAsync("/random.bin", Want + "Range: bytes=999999999-\r\n");
        Assert.Equal(416, unsatisfiable.Status);
        Assert.Null(unsatisfiable.Header("Repr-Digest"));
    }

    [Fact]
    public async Task AModifiedFileGetsItsNewDigestAndNeverTheStaleOne()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("changing.bin");
        Fixtures.WriteRandomFile(path, 200_000, seed: 1);
        string old = ExpectedField(path);
        Assert.Equal(old, (await UntilDigestAsync(server, "/changing.bin")).Header("Repr-Digest"));

        // Same size, other bytes, another mtime: rewritten in place (same inode).
        Fixtures.WriteRandomFile(path, 200_000, seed: 2);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(5));
        string fresh = ExpectedField(path);
        Assert.NotEqual(old, fresh);

        RawResponse afterChange = await server.GetAsync("/changing.bin", Want);
        Assert.Equal(Fixtures.Sha256OfFile(path), Fixtures.Sha256(afterChange.Body));
        Assert.Null(afterChange.Header("Repr-Digest")); // the old one is gone, the new one not known yet

        RawResponse later = await UntilDigestAsync(server, "/changing.bin");
        Assert.Equal(fresh, later.Header("Repr-Digest"));
        Assert.Equal(2, Counters(server).Computed);
    }

    [Fact]
    public async Task ThePrecompressedVariantGetsItsOwnDigest()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { Precompressed = true });
        Fixtures.WriteRandomFile(server.PathOf("app.js"), 30_000, seed: 3);
        Fixtures.WriteRandomFile(server.PathOf("app.js.gz"), 9_000, seed: 4);
        File.SetLastWriteTimeUtc(server.PathOf("app.js.gz"), File.GetLastWriteTimeUtc(server.PathOf("app.js")).AddSeconds(1));

        RawResponse encoded = await UntilDigestAsync(server, "/app.js", extra: "Accept-Encoding: gzip\r\n");
        Assert.Equal("gzip", encoded.Header("Content-Encoding"));
        Assert.Equal(ExpectedField(server.PathOf("app.js.gz")), encoded.Header("Repr-Digest"));
        Assert.Equal(ExpectedField(server.PathOf("app.js")), (await UntilDigestAsync(server, "/app.js")).Header("Repr-Digest"));
    }

    [Fact]
    public async Task DigestsOffSendsNone()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { ReprDigest = false });
        Assert.Null(server.Server.ReprDigests);
        for (int i = 0; i < 3; i++)
        {
            Assert.Null((await server.GetAsync("/random.bin", Want)).Header("Repr-Digest"));
        }
    }

    [Fact]
    public async Task TheAttributeIsWrittenWithDigestXattrAndUsedAfterARestart()
    {
        TestServer first = TestServer.Start(StrategyOption.Sendfile, o => o with { DigestXattr = true });
        string baseDirectory = first.BaseDirectory;
        string path = first.PathOf("random.bin");
        string expected = ExpectedField(path);
        try
        {
            Assert.Equal(expected, (await UntilDigestAsync(first, "/random.bin")).Header("Repr-Digest"));
            Assert.True(await Wait.UntilAsync(() => Counters(first).XattrWrites == 1, TimeSpan.FromSeconds(10)));
            var info = new FileInfo(path);
            DigestRecord record = ReadRecord(path);
            Assert.Equal(info.Length, record.Length);
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(File.ReadAllBytes(path))), Convert.ToBase64String(record.Sha256));
        }
        finally
        {
            await first.StopKeepingTreeAsync();
        }

        // Restarted without --digest-xattr: the attribute is still read (read-only trees use it).
        await using TestServer second = TestServer.StartOver(baseDirectory);
        Assert.Equal(expected, (await UntilDigestAsync(second, "/random.bin")).Header("Repr-Digest"));
        Assert.Equal(0, Counters(second).Computed);
        Assert.Equal(0, Counters(second).BytesHashed);
        Assert.Equal(1, Counters(second).XattrHits);
    }

    [Fact]
    public async Task AStaleAttributeIsIgnored()
    {
        TestServer first = TestServer.Start(StrategyOption.Sendfile, o => o with { DigestXattr = true });
        string baseDirectory = first.BaseDirectory;
        string path = first.PathOf("random.bin");
        try
        {
            await UntilDigestAsync(first, "/random.bin");
            Assert.True(await Wait.UntilAsync(() => Counters(first).XattrWrites == 1, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await first.StopKeepingTreeAsync();
        }

        // Rewritten in place with the same size: the attribute stays but describes the old mtime.
        long length = new FileInfo(path).Length;
        DigestRecord old = ReadRecord(path);
        Fixtures.WriteRandomFile(path, (int)length, seed: 99);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(3));
        Assert.Equal(old.Length, ReadRecord(path).Length);

        await using TestServer second = TestServer.StartOver(baseDirectory);
        Assert.Equal(ExpectedField(path), (await UntilDigestAsync(second, "/random.bin")).Header("Repr-Digest"));
        Assert.Equal(1, Counters(second).XattrStale);
        Assert.Equal(0, Counters(second).XattrHits);
        Assert.Equal(1, Counters(second).Computed);
    }

    // A file whose attribute cannot be written (EACCES for a user on a read-only file; EPERM for
    // root on an immutable one): the digest is served from memory, the refusal is learned once
    // for the filesystem, and the next file there is not even tried.
    [Fact]
    public async Task AnAttributeTheFilesystemRefusesFallsBackToMemory()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile, o => o with { DigestXattr = true, MetricsEndpoint = "127.0.0.1:0" });
        string path = server.PathOf("random.bin");
        bool root = Environment.IsPrivilegedProcess;
        if (root)
        {
            Chattr("+i", path);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead);
        }

        try
        {
            Assert.Equal(ExpectedField(path), (await UntilDigestAsync(server, "/random.bin")).Header("Repr-Digest"));
            Assert.True(await Wait.UntilAsync(() => Counters(server).XattrWriteFailures == 1, TimeSpan.FromSeconds(10)));
            Assert.Equal(ExpectedField(server.PathOf("blocks.bin")), (await UntilDigestAsync(server, "/blocks.bin")).Header("Repr-Digest"));
            Assert.Equal(2, Counters(server).Computed);
            Assert.Equal(1, Counters(server).XattrWriteFailures);
            Assert.Equal(0, Counters(server).XattrWrites);
            Assert.Equal(XattrStatus.Absent, TryReadRecord(server.PathOf("blocks.bin"), out _));

            string text = await MetricsScrape.ScrapeAsync(server.Server.MetricsEndPoint!.Port);
            Assert.Contains("capability=\"user_xattr\"} 1", text, StringComparison.Ordinal);
            Assert.Equal(2, MetricsScrape.Value(text, "sluice_digests_computed_total"));
            Assert.True(MetricsScrape.Value(text, "sluice_digest_cache_hits_total") >= 2);
            Assert.Equal(new FileInfo(path).Length + new FileInfo(server.PathOf("blocks.bin")).Length, MetricsScrape.Value(text, "sluice_digest_bytes_hashed_total"));
        }
        finally
        {
            if (root)
            {
                Chattr("-i", path);
            }
        }
    }

    // tmpfs: RWF_DONTCACHE is refused there (the hasher falls back to pread with drop-behind);
    // whether it keeps user.* attributes depends on the kernel (6.6 and later do), so the
    // expectation follows what the kernel answers to a probe.
    [Fact]
    public async Task OnTmpfsDigestsAreServedAndTheAttributeFollowsTheKernel()
    {
        if (!Directory.Exists("/dev/shm") || !DiskDirectory.IsMemoryBacked("/dev/shm"))
        {
            throw new InvalidOperationException("this test needs tmpfs at /dev/shm");
        }

        string baseDirectory = Path.Combine("/dev/shm", "sluice-digest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(baseDirectory, "root"));
        string path = Path.Combine(baseDirectory, "root", "large.bin");
        Fixtures.WriteRandomFile(path, LargeLength, seed: 5);
        string probe = Path.Combine(baseDirectory, "probe");
        File.WriteAllBytes(probe, [1]);
        XattrStatus probed;
        using (SafeFileHandle handle = File.OpenHandle(probe))
        {
            probed = XattrPal.TrySet(handle, "user.sluice.probe", "1"u8);
        }

        await using TestServer server = TestServer.StartOver(baseDirectory, o => o with { DigestXattr = true });
        Assert.Equal(ExpectedField(path), (await UntilDigestAsync(server, "/large.bin")).Header("Repr-Digest"));
        Assert.Equal(1, Counters(server).Computed);
        Assert.True(server.Server.Capabilities.IsRefused(DeviceOf(path), Sluice.Server.Disk.FilesystemCapability.Dontcache));
        if (probed == XattrStatus.Done)
        {
            Assert.True(await Wait.UntilAsync(() => Counters(server).XattrWrites == 1, TimeSpan.FromSeconds(10)));
            Assert.Equal(XattrStatus.Done, TryReadRecord(path, out _));
        }
        else
        {
            Assert.True(await Wait.UntilAsync(() => Counters(server).XattrWriteFailures == 1, TimeSpan.FromSeconds(10)));
        }
    }

    // A large cold file is hashed without filling the page cache (RWF_DONTCACHE on ext4 and xfs).
    [Fact]
    public async Task HashingALargeColdFileLeavesItOutOfThePageCache()
    {
        await using TestServer server = TestServer.Start(StrategyOption.Sendfile);
        string path = server.PathOf("cold.bin");
        Fixtures.WriteRandomFile(path, 16 * 1024 * 1024, seed: 11);
        using (SafeFileHandle handle = File.OpenHandle(path))
        {
            FilePal.Fsync(handle);
            Assert.True(FilePal.EvictFromPageCache(handle, 0, 0));
        }

        // HEAD moves no body: only the digest worker reads the file.
        Assert.NotNull((await UntilDigestAsync(server, "/cold.bin", "HEAD")).Header("Repr-Digest"));
        using SafeFileHandle check = File.OpenHandle(path);
        Assert.True(PageCachePal.TryGetResidency(check, 0, 16 * 1024 * 1024, out Residency residency));
        Assert.True(residency.Fraction < 0.25, $"{residency.ResidentPages} of {residency.TotalPages} pages cached after hashing");
    }

    private static DigestRecord ReadRecord(string path)
    {
        Assert.Equal(XattrStatus.Done, TryReadRecord(path, out DigestRecord record));
        return record;
    }

    private static XattrStatus TryReadRecord(string path, out DigestRecord record)
    {
        record = default;
        using SafeFileHandle handle = File.OpenHandle(path);
        Span<byte> value = stackalloc byte[DigestRecord.MaxBytes];
        XattrStatus status = XattrPal.TryGet(handle, ReprDigests.AttributeName, value, out int length);
        if (status == XattrStatus.Done)
        {
            Assert.True(DigestRecord.TryParse(value[..length], out record));
        }

        return status;
    }

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
        Assert.True(process.WaitForExit(10_000));
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
    }

    // st_dev of a path, as FileMetadata.Device spells it.
    private static ulong DeviceOf(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path);
        Assert.True(FilePal.TryGetMetadata(handle, out FileMetadata metadata));
        return metadata.Device;
    }
}
