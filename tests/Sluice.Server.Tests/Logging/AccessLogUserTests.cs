using System.Text.Json;
using Sluice.Core.Auth;
using Sluice.Server.Configuration;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Logging;

// The verified user is the combined format's %u and the JSON "user": who fetched what is the
// first question an access log of an authenticated server is asked. Defects these catch: the user
// not logged at all ("-"), a user name that breaks the line's fields, and a user carried over to a
// later request of the same keep-alive connection that never passed the gate.
public sealed class AccessLogUserTests
{
    // An htpasswd user name may hold spaces and quotes; it still has to be one field.
    private const string OddUser = "ann \"b\\c";

    private static TestServer Start(AccessLogFormat format) => TestServer.Start(configure: o => o with
    {
        LogFormat = format,
        Auth = new AuthOptions
        {
            Entries = ["bob:" + Pbkdf2Password.Create("b0b-secret", Pbkdf2Password.MinIterations), OddUser + ":" + Pbkdf2Password.Create("pw", Pbkdf2Password.MinIterations)],
            PublicPrefixes = ["/pub"],
        },
    });

    [Fact]
    public async Task CombinedLogNamesTheVerifiedUserAndOnlyForItsRequest()
    {
        await using TestServer server = Start(AccessLogFormat.Combined);

        await using (RawHttpConnection connection = await server.ConnectAsync())
        {
            await connection.SendAsync($"GET /tiny.txt HTTP/1.1\r\nHost: t\r\nAuthorization: {BasicCredentials.Format("bob", "b0b-secret")}\r\n\r\n");
            Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
            // Same connection, no credentials and a malformed head: refused before the gate.
            await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost t\r\n\r\n");
            Assert.Equal(400, (await connection.ReadResponseAsync()).Status);
        }

        RawResponse odd = await server.GetAsync("/tiny.txt", $"Authorization: {BasicCredentials.Format(OddUser, "pw")}\r\n");
        RawResponse wrong = await server.GetAsync("/tiny.txt", $"Authorization: {BasicCredentials.Format("bob", "guess")}\r\n");
        Assert.Equal(200, odd.Status);
        Assert.Equal(401, wrong.Status);

        string[] lines = server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("bob", Fields(lines[0])[2]);
        Assert.Equal("-", Fields(lines[1])[2]);
        // Space, quote and backslash escaped: the user stays the third space-separated field.
        Assert.Equal("ann\\x20\\x22b\\x5Cc", Fields(lines[2])[2]);
        Assert.Contains("] \"GET /tiny.txt HTTP/1.1\" 200 ", lines[2], StringComparison.Ordinal);
        // A failed login names no user: the name in it is the client's claim, not a verified one.
        Assert.Equal("-", Fields(lines[3])[2]);
    }

    [Fact]
    public async Task JsonLogHasTheVerifiedUserAndNullWithoutOne()
    {
        await using TestServer server = Start(AccessLogFormat.Json);
        Directory.CreateDirectory(server.PathOf("pub"));
        File.WriteAllText(server.PathOf("pub/open.txt"), "open\n");

        Assert.Equal(200, (await server.GetAsync("/tiny.txt", $"Authorization: {BasicCredentials.Format(OddUser, "pw")}\r\n")).Status);
        Assert.Equal(200, (await server.GetAsync("/pub/open.txt")).Status);

        string[] lines = server.AccessLog.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using (JsonDocument withUser = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal(OddUser, withUser.RootElement.GetProperty("user").GetString());
        }

        using JsonDocument publicRequest = JsonDocument.Parse(lines[1]);
        Assert.Equal(JsonValueKind.Null, publicRequest.RootElement.GetProperty("user").ValueKind);
    }

    private static string[] Fields(string combinedLine) => combinedLine.Split(' ');
}
