using System.Text;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests;

// Path confinement: nothing outside the root is ever served, however the path is spelled.
public sealed class PathSecurityTests
{
    public static TheoryData<string> TraversalTargets => new()
    {
        "/../secret.txt",
        "/../../secret.txt",
        "/dir/../../secret.txt",
        "/./../secret.txt",
        "//../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/dir/%2e%2e/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/tiny.txt%00",
        "/tiny.txt%00/../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        "/...%2f../secret.txt",
        "http://127.0.0.1/../secret.txt",
        "http://127.0.0.1/%2e%2e/secret.txt",
    };

    [Theory]
    [MemberData(nameof(TraversalTargets))]
    public async Task EncodedTraversalNeverLeavesTheRoot(string target)
    {
        await using var server = TestServer.Start();

        RawResponse response = await server.GetAsync(target);

        Assert.True(response.Status is 400 or 403 or 404, $"{target}: {response}");
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

        // Following symlinks does not make ".." work.
        Assert.True((await server.GetAsync("/../secret.txt")).Status is 400 or 403 or 404);
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
}
