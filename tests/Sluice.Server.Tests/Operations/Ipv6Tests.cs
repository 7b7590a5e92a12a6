using System.Net;
using System.Net.Sockets;
using Sluice.Server.Hosting;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Operations;

// Listening on IPv6: "::1", "[::1]" and the dual-stack "::". Nothing is skipped: a machine without
// an IPv6 loopback fails here with a message that says so.
public sealed class Ipv6Tests
{
    private static void RequireIpv6Loopback()
    {
        Assert.True(Socket.OSSupportsIPv6, "this kernel has no IPv6 (ip -6 addr shows no ::1): Sluice's IPv6 listening cannot be tested");
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public async Task ServesOnTheIpv6Loopback(string host)
    {
        RequireIpv6Loopback();
        await using var server = TestServer.Start(configure: o => o with { Host = host });
        Assert.Equal(IPAddress.IPv6Loopback, server.Server.LocalEndPoint!.Address);

        await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, server.Port));
        await connection.SendAsync("GET /random.bin HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n");
        RawResponse response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal(Fixtures.Sha256OfFile(server.PathOf("random.bin")), Fixtures.Sha256(response.Body));
        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Contains("[::1]:", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.Contains($"on http://[::1]:{server.Port}", server.DiagnosticsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DualStackServesIpv4AndIpv6AndLogsIpv4ClientsWithoutTheMappedPrefix()
    {
        RequireIpv6Loopback();
        await using var server = TestServer.Start(configure: o => o with { Host = "::" });

        foreach (IPAddress address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(new IPEndPoint(address, server.Port));
            await connection.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            RawResponse response = await connection.ReadResponseAsync();
            Assert.Equal(TestServer.TinyText, response.BodyText);
        }

        Assert.True(await Wait.UntilAsync(() => server.AccessLog.Split('\n').Count(l => l.Contains("/tiny.txt", StringComparison.Ordinal)) == 2, TimeSpan.FromSeconds(5)), server.AccessLog);
        Assert.Contains(" 127.0.0.1:", server.AccessLog, StringComparison.Ordinal);
        Assert.Contains(" [::1]:", server.AccessLog, StringComparison.Ordinal);
        Assert.DoesNotContain("::ffff:", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerAddressCapCountsAnIpv4ClientOnADualStackListenerAsOneAddress()
    {
        RequireIpv6Loopback();
        await using var server = TestServer.Start(configure: o => o with { Host = "::", MaxConnectionsPerAddress = 1 });
        await using RawHttpConnection first = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        Assert.True(await Wait.UntilAsync(() => server.Server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));
        await using RawHttpConnection second = await RawHttpConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        await second.SendAsync("GET /tiny.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(503, (await second.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("::", true)]
    [InlineData("[::]", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("[127.0.0.1]", false)]
    [InlineData("[::1]:8080", false)]
    [InlineData("[::1", false)]
    [InlineData("example.com", false)]
    public void HostSyntax(string host, bool valid)
    {
        Assert.Equal(valid, ListenAddress.TryParse(host, out _));
    }
}
