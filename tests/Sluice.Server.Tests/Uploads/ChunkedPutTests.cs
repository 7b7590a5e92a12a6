using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// PUT with Transfer-Encoding: chunked (RFC 9112 §7.1), decoded on the connection by ChunkedDecoder.
public sealed class ChunkedPutTests
{
    private static string ChunkedHead(string target, string extraHeaders = "") =>
        $"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n{extraHeaders}\r\n";

    // body cut into chunks of chunkSize (the last one shorter), each chunk line with an extension,
    // and a trailer section after the last chunk.
    private static byte[] Chunked(byte[] body, int chunkSize)
    {
        using var stream = new MemoryStream();
        for (int at = 0; at < body.Length; at += chunkSize)
        {
            int n = Math.Min(chunkSize, body.Length - at);
            stream.Write(Encoding.ASCII.GetBytes($"{n:x};name=\"v\"\r\n"));
            stream.Write(body, at, n);
            stream.Write("\r\n"u8);
        }

        stream.Write("0\r\nX-Checksum: none\r\n\r\n"u8);
        return stream.ToArray();
    }

    // Neither the target nor a temporary file (a dot-name beside it) is left.
    private static void AssertNothingLeft(TestServer server, string name)
    {
        Assert.False(File.Exists(server.PathOf(name)));
        Assert.DoesNotContain(Names(server.Root), n => n.StartsWith(".sluice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(65_537)]
    [InlineData(1_000_000)]
    public async Task AChunkedPutStoresTheDecodedBytes(int chunkSize)
    {
        await using var server = StartWithUploads();
        byte[] body = RandomBytes(chunkSize == 1 ? 5000 : 1_500_000, seed: chunkSize);
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead("/chunked.bin")).Concat(Chunked(body, chunkSize)).ToArray());
        Assert.Equal(201, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("chunked.bin"))));

        // The bytes after the trailers are the next request on the same connection.
        await connection.SendAsync("GET /chunked.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        RawResponse again = await connection.ReadResponseAsync();
        Assert.Equal(200, again.Status);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(again.Body));
    }

    [Theory]
    [InlineData("5\r\nhello\r\nZ\r\n\r\n")]            // a chunk size that is not hex
    [InlineData("5\r\nhelloXY0\r\n\r\n")]              // no CRLF after the data
    [InlineData("5\nhello\r\n0\r\n\r\n")]              // a bare LF after the size
    [InlineData("3\r\nabc\r\n0\r\n bad: x\r\n\r\n")]   // obs-fold in the trailers
    public async Task MalformedFramingIs400AndLeavesNoFile(string framing)
    {
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(ChunkedHead("/bad.bin") + framing);
        Assert.Equal(400, (await connection.ReadResponseAsync()).Status);
        AssertNothingLeft(server, "bad.bin");
    }

    [Fact]
    public async Task AChunkedBodyPastTheUploadLimitIs413AndLeavesNoFile()
    {
        await using var server = StartWithUploads(u => u with { MaxUploadSize = 100_000 });
        await using RawHttpConnection connection = await server.ConnectAsync();
        // The client goes on sending after the limit; the answer must not wait for its end.
        await connection.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead("/big.bin")).Concat(Chunked(RandomBytes(150_000, seed: 9), 10_000)[..130_000]).ToArray());
        Assert.Equal(413, (await connection.ReadResponseAsync()).Status);
        AssertNothingLeft(server, "big.bin");
    }

    [Fact]
    public async Task AChunkedBodyForAGetIsStill501()
    {
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        Assert.Equal(501, (await connection.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n", 501)]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400)]
    public async Task OtherCodingsAre501AndBothFramingsAre400(string headers, int status)
    {
        await using var server = StartWithUploads();
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync($"PUT /x.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n5\r\nhello\r\n0\r\n\r\n");
        Assert.Equal(status, (await connection.ReadResponseAsync()).Status);
        AssertNothingLeft(server, "x.bin");
    }

    [Fact]
    public async Task CurlUploadFromStandardInputArrivesWhole()
    {
        await using var server = StartWithUploads();
        byte[] body = RandomBytes(2_000_000, seed: 12);
        var start = new ProcessStartInfo(CurlProcess.Path) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "-sS", "--fail", "--max-time", "30", "-T", "-", new Uri(server.BaseUri, "piped.bin").ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        using Process curl = Process.Start(start) ?? throw new InvalidOperationException("cannot start curl");
        Task<string> stderr = curl.StandardError.ReadToEndAsync();
        Task<string> stdout = curl.StandardOutput.ReadToEndAsync();
        await curl.StandardInput.BaseStream.WriteAsync(body);
        curl.StandardInput.Close();
        try
        {
            await curl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException)
        {
            curl.Kill();
            throw;
        }

        await stdout;
        Assert.True(curl.ExitCode == 0, $"curl exited {curl.ExitCode}: {await stderr}");
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await File.ReadAllBytesAsync(server.PathOf("piped.bin"))));
    }
}
