using System.Text;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Uploads;

// Raw PUT/DELETE/MKCOL requests for the upload tests, and a server with --upload on.
internal static class UploadClient
{
    public static TestServer StartWithUploads(Func<UploadOptions, UploadOptions>? configure = null, Func<ServerOptions, ServerOptions>? server = null) =>
        TestServer.Start(configure: o =>
        {
            var uploads = new UploadOptions { Reserve = 0 };
            ServerOptions options = o with { Uploads = configure is null ? uploads : configure(uploads) };
            return server is null ? options : server(options);
        });

    public static string PutHead(string target, long length, string extraHeaders = "") =>
        $"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n{extraHeaders}\r\n";

    public static async Task<RawResponse> PutAsync(TestServer server, string target, byte[] body, string extraHeaders = "")
    {
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(Encoding.ASCII.GetBytes(PutHead(target, body.Length, extraHeaders)).Concat(body).ToArray());
        return await connection.ReadResponseAsync();
    }

    public static async Task<RawResponse> SendAsync(TestServer server, string method, string target, string extraHeaders = "")
    {
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extraHeaders}\r\n");
        return await connection.ReadResponseAsync();
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // Every name in the directory, dotfiles included (litter would be a dot-name).
    public static string[] Names(string directory) =>
        Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
