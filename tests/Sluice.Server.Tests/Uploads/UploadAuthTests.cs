using System.Text;
using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// Writes need an authenticated user; a --public prefix opens reads, never writes.
public sealed class UploadAuthTests
{
    private static readonly string s_bobHash = Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations);

    [Fact]
    public async Task APublicPrefixDoesNotGrantWritesButCredentialsDo()
    {
        await using var server = StartWithUploads(server: o => o with { Auth = new AuthOptions { Entries = ["bob:" + s_bobHash], PublicPrefixes = ["/listing"] } });
        byte[] body = Encoding.ASCII.GetBytes("from bob\n");

        Assert.Equal(200, (await server.GetAsync("/listing/plain.txt")).Status);
        RawResponse anonymous = await PutAsync(server, "/listing/new.txt", body);
        Assert.Equal(401, anonymous.Status);
        Assert.NotNull(anonymous.Header("WWW-Authenticate"));
        Assert.Equal(401, (await SendAsync(server, "DELETE", "/listing/plain.txt")).Status);
        Assert.False(File.Exists(server.PathOf("listing/new.txt")));
        Assert.True(File.Exists(server.PathOf("listing/plain.txt")));

        string credentials = $"Authorization: {BasicCredentials.Format("bob", "b0b-secret")}\r\n";
        Assert.Equal(201, (await PutAsync(server, "/listing/new.txt", body, credentials)).Status);
        Assert.Equal(body, File.ReadAllBytes(server.PathOf("listing/new.txt")));
    }
}
