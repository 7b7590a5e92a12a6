using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Interop.Pal;
using Sluice.Server.Connections;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Receive;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Tests.Uploads.Tus;

// The tus handler against request heads parsed from bytes and an in-memory RequestBody fed in
// chosen pieces; the staging store, the placement and the disk engine are the real ones.
// End-to-end tests over a socket need the connection's dispatch (h3) and live in TusEndToEndTests.
public sealed class TusHandlerTests : IDisposable
{
    private const long MaxSize = 1 << 20;

    private readonly string _base = DiskDirectory.NewPath("sluice-tus-");
    private readonly string _root;
    private readonly string _staging;
    private readonly ManualTime _time = new();
    private readonly SafeFileHandle _rootHandle;
    private readonly ThreadDiskEngine _disk = new(1);
    private readonly TusStagingStore _store;
    private readonly TusHandler _handler;

    public TusHandlerTests()
    {
        _root = Path.Combine(_base, "root");
        _staging = Path.Combine(_base, "staging");
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenDirectory(_root, out _rootHandle));
        _store = NewStore(quota: 4 * MaxSize);
        _handler = new TusHandler(_store, new RenamePlacer(_rootHandle), _disk, new TusSettings(_staging, TimeSpan.FromHours(24), MaxSize, 4 * MaxSize, ServeDotfiles: false));
    }

    public void Dispose()
    {
        _disk.Dispose();
        _rootHandle.Dispose();
        Directory.Delete(_base, recursive: true);
    }

    private TusStagingStore NewStore(long quota)
    {
        var store = new TusStagingStore(_staging, TimeSpan.FromHours(24), quota, _time);
        store.Load();
        return store;
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private sealed record Reply(ResponsePlan Plan, HttpResponseHead Head)
    {
        public int Status => Plan.Status;

        public string? Field(string name) => Head.Get(name);
    }

    private Task<Reply> SendAsync(string method, string target, string fields, RequestBody? body = null, string? user = "alice") =>
        SendAsync(_handler, method, target, fields, body, user);

    private static async Task<Reply> SendAsync(TusHandler handler, string method, string target, string fields, RequestBody? body, string? user)
    {
        string contentLength = body?.DeclaredLength is long n ? $"Content-Length: {n}\r\n" : "";
        var head = new HttpRequestHead();
        var collector = new HttpRequestHeadCollector(head);
        byte[] request = Encoding.Latin1.GetBytes($"{method} {target} HTTP/1.1\r\nHost: t\r\n{fields}{contentLength}\r\n");
        Assert.Equal(ParseStatus.Complete, HttpRequestParser.TryParse(request, ref collector, out _, out _));
        Assert.True(TusHandler.Matches(head.TargetBytes));

        var plan = new ResponsePlan();
        await handler.HandleAsync(head, body ?? new ByteArrayRequestBody([], 1), plan, user);
        byte[] rendered = new byte[4096];
        int length = ResponseHeadBuilder.Write(plan, keepAlive: true, http10: false, rendered);
        Assert.True(length > 0);
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(rendered.AsSpan(0, length), out HttpResponseHead? rendition, out int consumed));
        Assert.Equal(length, consumed);
        return new Reply(plan, rendition!);
    }

    private const string Tus = "Tus-Resumable: 1.0.0\r\n";

    private async Task<string> CreateAsync(string target, long length, string extra = "", string? user = "alice")
    {
        Reply created = await SendAsync("POST", "/-/uploads/", $"{Tus}Upload-Length: {length}\r\nUpload-Metadata: filename {B64(target)}{extra}\r\n", user: user);
        Assert.Equal(201, created.Status);
        Assert.Equal("1.0.0", created.Field("Tus-Resumable"));
        Assert.NotNull(created.Field("Upload-Expires"));
        string location = created.Field("Location")!;
        Assert.Matches("^/-/uploads/[0-9a-f]{32}$", location);
        return location;
    }

    private Task<Reply> PatchAsync(string location, long offset, RequestBody body, string? user = "alice") =>
        SendAsync("PATCH", location, $"{Tus}Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n", body, user);

    private async Task<long> OffsetAsync(string location)
    {
        Reply head = await SendAsync("HEAD", location, Tus);
        Assert.Equal(200, head.Status);
        Assert.Equal("no-store", head.Field("Cache-Control"));
        return long.Parse(head.Field("Upload-Offset")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("/-/uploads", true)]
    [InlineData("/-/uploads/", true)]
    [InlineData("/-/uploads/0123?x=1", true)]
    [InlineData("/-/uploadsx", false)]
    [InlineData("/-/", false)]
    [InlineData("/a/-/uploads/", false)]
    public void MatchesOnlyTheUploadsEndpoint(string target, bool expected) =>
        Assert.Equal(expected, TusHandler.Matches(Encoding.ASCII.GetBytes(target)));

    [Fact]
    public async Task OptionsAdvertisesTheProtocol()
    {
        Reply options = await SendAsync("OPTIONS", "/-/uploads/", "");
        Assert.Equal(204, options.Status);
        Assert.Equal("1.0.0", options.Field("Tus-Resumable"));
        Assert.Equal("1.0.0", options.Field("Tus-Version"));
        Assert.Equal("creation,expiration,termination", options.Field("Tus-Extension"));
        Assert.Equal(MaxSize.ToString(System.Globalization.CultureInfo.InvariantCulture), options.Field("Tus-Max-Size"));
        Assert.Null(options.Field("Content-Length")); // RFC 9110 §8.6: never in a 204
    }

    [Theory]
    [InlineData("")]
    [InlineData("Tus-Resumable: 0.2.2\r\n")]
    public async Task OtherProtocolVersionsArePreconditionFailures(string version)
    {
        Reply reply = await SendAsync("POST", "/-/uploads/", $"{version}Upload-Length: 3\r\nUpload-Metadata: filename {B64("a")}\r\n");
        Assert.Equal(412, reply.Status);
        Assert.Equal("1.0.0", reply.Field("Tus-Version"));
        Assert.Equal("1.0.0", reply.Field("Tus-Resumable"));
        Assert.Equal(0, _store.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65536)]
    public async Task AnUploadInSeveralPatchesIsPlacedWhenComplete(int piece)
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(200_000);
        string location = await CreateAsync("dir/a.bin", bytes.Length);
        Assert.Equal(0, await OffsetAsync(location));

        int[] cuts = [0, 1, 70_000, 150_003, bytes.Length];
        for (int i = 0; i < cuts.Length - 1; i++)
        {
            Assert.False(File.Exists(Path.Combine(_root, "dir", "a.bin")), "placed before it was complete");
            Reply patched = await PatchAsync(location, cuts[i], new ByteArrayRequestBody(bytes[cuts[i]..cuts[i + 1]], piece));
            Assert.Equal(204, patched.Status);
            Assert.Equal(cuts[i + 1].ToString(System.Globalization.CultureInfo.InvariantCulture), patched.Field("Upload-Offset"));
        }

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, "dir", "a.bin"))));
        Assert.Equal(bytes.Length, await OffsetAsync(location));
        Assert.Empty(Directory.GetFiles(_staging, "*.data"));
        Assert.Equal(0, _store.ReservedBytes);
    }

    [Fact]
    public async Task ACutPatchKeepsTheBytesThatArrivedAndTheUploadResumesFromThere()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(100_000);
        string location = await CreateAsync("a.bin", bytes.Length);

        // The client sends everything but its connection dies after 33,333 bytes.
        Reply cut = await PatchAsync(location, 0, new ByteArrayRequestBody(bytes, 4096, cutAfter: 33_333));
        Assert.True(cut.Plan.CloseConnection);
        Assert.Equal(33_333, await OffsetAsync(location));

        // A new server process over the same staging directory reports the same offset.
        TusStagingStore restarted = NewStore(quota: 0);
        Assert.Equal(33_333, restarted.Find(location[^32..], "alice")!.Offset);

        // Resume with fewer bytes than the remaining + one piece (the issue's resume case).
        Reply resumed = await PatchAsync(location, 33_333, new ByteArrayRequestBody(bytes[33_333..], 4096));
        Assert.Equal(204, resumed.Status);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, "a.bin"))));
    }

    [Fact]
    public async Task AnOffsetMismatchIsAConflictAndWritesNothing()
    {
        string location = await CreateAsync("a.bin", 10);
        await PatchAsync(location, 0, new ByteArrayRequestBody("abcd"u8.ToArray(), 2));

        var replay = new ByteArrayRequestBody("abcd"u8.ToArray(), 2);
        Reply conflict = await PatchAsync(location, 0, replay);
        Assert.Equal(409, conflict.Status);
        Assert.Equal(0, replay.Consumed);
        Assert.Equal(4, await OffsetAsync(location));
        Assert.Equal("abcd", File.ReadAllText(Path.Combine(_staging, location[^32..] + ".data")));
    }

    [Fact]
    public async Task ABodyPastTheLengthIsRefused()
    {
        string location = await CreateAsync("a.bin", 4);
        Assert.Equal(413, (await PatchAsync(location, 0, new ByteArrayRequestBody("abcde"u8.ToArray(), 2))).Status);
        Assert.Equal(0, await OffsetAsync(location));

        // Without a declared length the body is cut at the upload's length while it is read.
        Reply chunked = await PatchAsync(location, 0, new ByteArrayRequestBody("abcde"u8.ToArray(), 2, declareLength: false));
        Assert.Equal(413, chunked.Status);
        Assert.False(File.Exists(Path.Combine(_root, "a.bin")));
    }

    [Fact]
    public async Task PatchNeedsTheOffsetContentType()
    {
        string location = await CreateAsync("a.bin", 4);
        Reply reply = await SendAsync("PATCH", location, $"{Tus}Upload-Offset: 0\r\nContent-Type: application/octet-stream\r\n", new ByteArrayRequestBody("abcd"u8.ToArray(), 4));
        Assert.Equal(415, reply.Status);
        Assert.Equal(0, await OffsetAsync(location));
    }

    [Fact]
    public async Task AnotherUsersUploadIsNotFound()
    {
        string location = await CreateAsync("a.bin", 4);
        Assert.Equal(404, (await SendAsync("HEAD", location, Tus, user: "bob")).Status);
        Assert.Equal(404, (await PatchAsync(location, 0, new ByteArrayRequestBody("abcd"u8.ToArray(), 4), user: "bob")).Status);
        Assert.Equal(404, (await SendAsync("DELETE", location, Tus, user: "bob")).Status);
        Assert.Equal(404, (await SendAsync("HEAD", location, Tus, user: null)).Status);
        Assert.Equal(0, await OffsetAsync(location));
    }

    [Fact]
    public async Task AnExpiredUploadIsNotFound()
    {
        string location = await CreateAsync("a.bin", 4);
        _time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(404, (await SendAsync("HEAD", location, Tus)).Status);
        Assert.Equal(404, (await PatchAsync(location, 0, new ByteArrayRequestBody("abcd"u8.ToArray(), 4))).Status);
        Assert.False(File.Exists(Path.Combine(_root, "a.bin")));
    }

    [Fact]
    public async Task DeleteTerminatesTheUpload()
    {
        string location = await CreateAsync("a.bin", 4);
        await PatchAsync(location, 0, new ByteArrayRequestBody("ab"u8.ToArray(), 4));
        Reply deleted = await SendAsync("DELETE", location, Tus);
        Assert.Equal(204, deleted.Status);
        Assert.Equal("1.0.0", deleted.Field("Tus-Resumable"));
        Assert.Equal(404, (await SendAsync("HEAD", location, Tus)).Status);
        Assert.Empty(Directory.GetFiles(_staging));
        Assert.Equal(0, _store.ReservedBytes);
    }

    [Fact]
    public async Task CreateOnlyCompletionFailsWhenTheTargetAppearedAndKeepsTheBytesForARetry()
    {
        string location = await CreateAsync("a.bin", 4, $",ifnonematch {B64("*")}");
        File.WriteAllText(Path.Combine(_root, "a.bin"), "theirs");

        Reply refused = await PatchAsync(location, 0, new ByteArrayRequestBody("mine"u8.ToArray(), 4));
        Assert.Equal(412, refused.Status);
        Assert.Equal("theirs", File.ReadAllText(Path.Combine(_root, "a.bin")));
        Assert.Equal(4, await OffsetAsync(location));

        // Once the name is free again an empty PATCH at the full offset places the staged bytes.
        File.Delete(Path.Combine(_root, "a.bin"));
        Reply retried = await PatchAsync(location, 4, new ByteArrayRequestBody([], 1));
        Assert.Equal(204, retried.Status);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_root, "a.bin")));
    }

    [Fact]
    public async Task CreationValidatesTheTargetEarly()
    {
        File.WriteAllText(Path.Combine(_root, "exists.txt"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), Path.Combine(_root, "dir"));
        (string Metadata, long Length, int Status)[] cases =
        [
            ($"filename {B64(".git/hooks/x")}", 1, 403),
            ($"filename {B64("dir/.env")}", 1, 403),
            ($"filename {B64("../escape.txt")}", 1, 400),
            ($"filename {B64("/etc/passwd")}", 1, 400),
            ($"filename {B64("link/a.bin")}", 1, 403),
            ($"filename {B64("missing/a.bin")}", 1, 409),
            ($"filename {B64("dir")}", 1, 409),
            ($"filename {B64("exists.txt")},ifnonematch {B64("*")}", 1, 412),
            ($"filename {B64("a.bin")},ifnonematch {B64("yes")}", 1, 400),
            ("other YQ==", 1, 400),
            ("filename !!!", 1, 400),
            ($"filename {B64("big.bin")}", MaxSize + 1, 413),
        ];
        foreach ((string metadata, long length, int status) in cases)
        {
            Reply reply = await SendAsync("POST", "/-/uploads/", $"{Tus}Upload-Length: {length}\r\nUpload-Metadata: {metadata}\r\n");
            Assert.True(status == reply.Status, $"{metadata}: expected {status}, got {reply.Status}");
        }

        Assert.Equal(0, _store.Count);
        Assert.Equal(400, (await SendAsync("POST", "/-/uploads/", $"{Tus}Upload-Metadata: filename {B64("a")}\r\n")).Status);
    }

    [Fact]
    public async Task TheStagingQuotaCountsUnfinishedUploads()
    {
        for (int i = 0; i < 4; i++)
        {
            await CreateAsync($"f{i}.bin", MaxSize);
        }

        Reply full = await SendAsync("POST", "/-/uploads/", $"{Tus}Upload-Length: 1\r\nUpload-Metadata: filename {B64("g.bin")}\r\n");
        Assert.Equal(507, full.Status);
    }

    [Fact]
    public async Task AnEmptyUploadIsPlacedAtCreation()
    {
        string location = await CreateAsync("empty.bin", 0);
        Assert.Equal(0, new FileInfo(Path.Combine(_root, "empty.bin")).Length);
        Assert.Equal(0, await OffsetAsync(location));
    }

    [Fact]
    public async Task UnknownIdsAndMethodsAreRefused()
    {
        Assert.Equal(404, (await SendAsync("HEAD", "/-/uploads/" + new string('0', 32), Tus)).Status);
        Assert.Equal(404, (await SendAsync("HEAD", "/-/uploads/../../etc/passwd", Tus)).Status);
        Reply get = await SendAsync("GET", "/-/uploads/", Tus);
        Assert.Equal(405, get.Status);
        Assert.Equal("OPTIONS, POST", get.Field("Allow"));
        Assert.Equal(400, (await SendAsync("POST", "/-/uploads/", $"{Tus}Upload-Length: 1\r\nUpload-Length: 2\r\nUpload-Metadata: filename {B64("a")}\r\n")).Status);
    }

    [Fact]
    public async Task APatchWhileAnotherHoldsTheUploadIsAConflict()
    {
        string location = await CreateAsync("a.bin", 4);
        StagedUpload upload = _store.Find(location[^32..], "alice")!;
        Assert.True(upload.TryEnter());
        try
        {
            Assert.Equal(409, (await PatchAsync(location, 0, new ByteArrayRequestBody("abcd"u8.ToArray(), 4))).Status);
            Assert.Equal(409, (await SendAsync("DELETE", location, Tus)).Status);
        }
        finally
        {
            upload.Exit();
        }

        Assert.Equal(204, (await PatchAsync(location, 0, new ByteArrayRequestBody("abcd"u8.ToArray(), 4))).Status);
    }
}
