using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Operations;

public sealed partial class SecurityHeaderTests
{
    [Theory]
    [InlineData("/tiny.txt", 200)]
    [InlineData("/random.bin", 200)]
    [InlineData("/listing/", 200)]
    [InlineData("/missing", 404)]
    [InlineData("/listing", 301)]
    public async Task EveryResponseCarriesNosniff(string target, int status)
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.GetAsync(target);
        Assert.Equal(status, response.Status);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
    }

    [Fact]
    public async Task RefusedRequestsCarryNosniff()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.SendExpectingCloseAsync("GET / HTTP/1.1\r\n\r\n"); // no Host: 400
        Assert.Equal(400, response.Status);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
    }

    [Fact]
    public async Task ConnectionLimitRefusalCarriesNosniff()
    {
        await using var server = TestServer.Start(configure: o => o with { MaxConnections = 1 });
        await using RawHttpConnection first = await server.ConnectAsync();
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));
        await using RawHttpConnection second = await server.ConnectAsync();
        await second.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse refused = await second.ReadResponseAsync();
        Assert.Equal(503, refused.Status);
        Assert.Equal("nosniff", refused.Header("X-Content-Type-Options"));
    }

    [Fact]
    public async Task ListingHasAPolicyThatAllowsExactlyItsOwnStyleAndScript()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.GetAsync("/listing/");
        string policy = response.RequireHeader("Content-Security-Policy");

        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);

        // The hashes in style-src and script-src are those of the page's one <style> and one
        // <script> element: a browser applies exactly them and nothing a name could inject.
        Match style = StyleRegex().Match(response.BodyText);
        Assert.True(style.Success, response.BodyText);
        string hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style.Groups[1].Value)));
        Assert.Contains($"style-src 'sha256-{hash}'", policy, StringComparison.Ordinal);
        Match script = Assert.Single(ScriptRegex().Matches(response.BodyText));
        string scriptHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script.Groups[1].Value)));
        Assert.Contains($"script-src 'sha256-{scriptHash}';", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FilesHaveNoPolicy()
    {
        await using var server = TestServer.Start();
        RawResponse response = await server.GetAsync("/tiny.txt");
        Assert.Null(response.Header("Content-Security-Policy"));
    }

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleRegex();

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptRegex();
}
