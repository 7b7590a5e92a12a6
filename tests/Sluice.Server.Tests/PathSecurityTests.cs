using System.Text;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Path confinement: nothing outside the root is ever served, however the path is spelled.
public sealed class PathSecurityTests
{
    // Each spelling has one right answer. 400: the decoder refuses the path before any file is
    // looked at ('..' above the root after one decoding, NUL, backslash, malformed escapes). 404:
    // the path is legal and stays inside the root, but names nothing there — a double encoding
    // decodes once to a literal '%2e%2e' name, '...' is an ordinary name that '..' then removes, and
    // an overlong '.' or '/' (%C0%AE, %C0%AF) is two name bytes (Linux names are bytes), never a dot
    // segment or a separator: the kernel looks for a file literally named C0 AE C0 AE.
    public static TheoryData<string, int> TraversalTargets => new()
    {
        { "/../secret.txt", 400 },
        { "/../../secret.txt", 400 },
        { "/dir/../../secret.txt", 400 },
        { "/./../secret.txt", 400 },
        { "//../secret.txt", 400 },
        { "/%2e%2e/secret.txt", 400 },
        { "/%2E%2E/secret.txt", 400 },
        { "/%2e%2e%2fsecret.txt", 400 },
        { "/..%2fsecret.txt", 400 },
        { "/..%2Fsecret.txt", 400 },
        { "/dir/%2e%2e/%2e%2e/secret.txt", 400 },
        { "/.%2e/secret.txt", 400 },
        { "/..%5csecret.txt", 400 },
        { "/..\\secret.txt", 400 },
        { "/%5c..%5csecret.txt", 400 },
        { "/tiny.txt%00", 400 },
        { "/tiny.txt%00/../../secret.txt", 400 },
        { "/%c0%ae%c0%ae/secret.txt", 404 },
        { "/%c0%ae%c0%ae%c0%afsecret.txt", 404 },
        { "/%e0%80%ae%e0%80%ae/secret.txt", 404 },
        { "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", 404 },
        { "/dir/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt", 404 },
        { "/%252e%252e/secret.txt", 404 },
        { "/%252e%252e%252fsecret.txt", 404 },
        { "/..%252fsecret.txt", 404 },
        { "/...%2f../secret.txt", 404 },
        { "http://127.0.0.1/../secret.txt", 400 },
        { "http://127.0.0.1/%2e%2e/secret.txt", 400 },
    };

    [Theory]
    [MemberData(nameof(TraversalTargets))]
    public async Task EncodedTraversalNeverLeavesTheRoot(string target, int status)
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync(target);

        Assert.True(response.Status == status, $"{target}: expected {status}, got {response}");
        Assert.DoesNotContain("TOP-SECRET", Encoding.Latin1.GetString(response.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSecretIsReachableByTheFilesystemSoTheTraversalTestsMeanSomething()
    {
        await using var server = TestServer.Start();
        Assert.Equal(TestServer.SecretText, File.ReadAllText(Path.Combine(server.Root, "..", "secret.txt")));
    }

    [Fact]
    public async Task DotSegmentsThatStayInsideTheRootAreResolved()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.GetAsync("/dir/../tiny.txt");
        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.TinyText, response.BodyText);
    }

    [Theory]
    [InlineData("/link-out")]
    [InlineData("/link-out-rel")]
    public async Task SymlinkOutOfTheRootIsForbidden(string target)
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync(target);

        Assert.Equal(403, response.Status);
        Assert.DoesNotContain("TOP-SECRET", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SymlinkInsideTheRootIsServed()
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync("/link-in");

        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("blocks.bin")), Fixtures.Sha256(response.Body));
    }

    [Theory]
    [InlineData("/link-out")]
    [InlineData("/link-out-rel")]
    public async Task FollowSymlinksServesTargetsOutsideTheRoot(string target)
    {
        await using var server = TestServer.Start(configure: o => o with { FollowSymlinks = true });

        RawResponse response = await server.GetAsync(target);

        Assert.Equal(200, response.Status);
        Assert.Equal(TestServer.SecretText, response.BodyText);

        // Following symlinks does not make ".." work: the decoder refuses it before any open.
        Assert.Equal(400, (await server.GetAsync("/../secret.txt")).Status);
    }

    [Theory]
    [InlineData("/listing/.hidden")]
    [InlineData("/.git/config")]
    [InlineData("/listing/%2ehidden")]
    public async Task HiddenFilesAreNotServedByDefault(string target)
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf(".git"));
        await File.WriteAllTextAsync(server.PathOf(".git/config"), "[core]\n");

        Assert.Equal(404, (await server.GetAsync(target)).Status);
    }

    [Fact]
    public async Task HiddenFilesAreServedWhenAskedFor()
    {
        await using var server = TestServer.Start(configure: o => o with { ServeDotfiles = true });

        RawResponse response = await server.GetAsync("/listing/.hidden");

        Assert.Equal(200, response.Status);
        Assert.Equal("dotfile\n", response.BodyText);
    }

    // Issue 8 (9): an in-root symlink with a visible name must not publish a hidden file or
    // directory; the check is on the path the kernel resolved, not on the request's spelling.
    [Theory]
    [InlineData("/docs/config")]
    [InlineData("/docs/")]
    [InlineData("/env-link")]
    [InlineData("/docs")]
    public async Task HiddenFilesBehindAVisibleSymlinkAreNotServed(string target)
    {
        await using var server = TestServer.Start();
        CreateHiddenLinks(server);

        RawResponse response = await server.GetAsync(target);

        Assert.True(response.Status == 404, $"{target}: {response}");
        Assert.DoesNotContain("[core]", response.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSWORD", response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/docs/config", "[core]\n")]
    [InlineData("/env-link", "PASSWORD=x\n")]
    public async Task HiddenFilesBehindASymlinkAreServedWithDotfiles(string target, string content)
    {
        await using var server = TestServer.Start(configure: o => o with { ServeDotfiles = true });
        CreateHiddenLinks(server);

        RawResponse response = await server.GetAsync(target);

        Assert.Equal(200, response.Status);
        Assert.Equal(content, response.BodyText);
    }

    [Fact]
    public async Task AVisibleFileBehindAVisibleSymlinkIsStillServed()
    {
        await using var server = TestServer.Start();
        Directory.CreateDirectory(server.PathOf("public"));
        await File.WriteAllTextAsync(server.PathOf("public/page.txt"), "public\n");
        File.CreateSymbolicLink(server.PathOf("pub"), "public");

        RawResponse response = await server.GetAsync("/pub/page.txt");

        Assert.Equal(200, response.Status);
        Assert.Equal("public\n", response.BodyText);
    }

    // Issue 8 (7): special files are never served. A FIFO opens (O_NONBLOCK) and is refused by
    // type; a Unix socket cannot be opened at all (ENXIO) and must get the same 403, not a 500.
    [Theory]
    [InlineData("fifo")]
    [InlineData("socket")]
    public async Task SpecialFilesAreForbidden(string kind)
    {
        await using var server = TestServer.Start();
        string path = server.PathOf("special");
        using System.Net.Sockets.Socket? socket = kind == "socket" ? BindUnixSocket(path) : null;
        if (kind == "fifo")
        {
            MakeFifo(path);
        }

        Assert.True(File.Exists(path), $"no {kind} at {path}");
        RawResponse response = await server.GetAsync("/special");

        Assert.True(response.Status == 403, $"{kind}: {response}");
        Assert.Equal(200, (await server.GetAsync("/tiny.txt")).Status);
    }

    private static System.Net.Sockets.Socket BindUnixSocket(string path)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static void MakeFifo(string path)
    {
        using var process = System.Diagnostics.Process.Start("mkfifo", [path])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static void CreateHiddenLinks(TestServer server)
    {
        Directory.CreateDirectory(server.PathOf(".git"));
        File.WriteAllText(server.PathOf(".git/config"), "[core]\n");
        File.WriteAllText(server.PathOf(".env"), "PASSWORD=x\n");
        File.CreateSymbolicLink(server.PathOf("docs"), ".git");
        File.CreateSymbolicLink(server.PathOf("env-link"), ".env");

        // The targets themselves are hidden, so these tests mean something.
        Assert.Equal("[core]\n", File.ReadAllText(server.PathOf("docs/config")));
    }
}
