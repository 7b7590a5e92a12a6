using System.Globalization;
using System.IO.Compression;
using System.Net.Http;
using System.Text;

namespace Sluice.Cli.Tests;

public sealed partial class ServeCommandTests
{
    // --precompressed reaches the server: real brotli and gzip siblings made here come back with
    // their Content-Encoding and decode to the original text; without a coding, the original.
    [Fact]
    public async Task PrecompressedServesRealSiblingsThatDecodeToTheOriginal()
    {
        string text = string.Concat(Enumerable.Repeat("precompressed sibling line\n", 400));
        string original = Path.Combine(_directory, "page.html");
        File.WriteAllText(original, text);
        WriteCompressed(original + ".br", text, s => new BrotliStream(s, CompressionLevel.SmallestSize));
        WriteCompressed(original + ".gz", text, s => new GZipStream(s, CompressionLevel.SmallestSize));

        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--precompressed");
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = System.Net.DecompressionMethods.None }) { Timeout = TimeSpan.FromSeconds(10) };
        var uri = new Uri($"http://127.0.0.1:{port}/page.html");

        foreach ((string accept, string coding) in new[] { ("br, gzip", "br"), ("gzip", "gzip") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal([coding], response.Content.Headers.ContentEncoding);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            using Stream body = await response.Content.ReadAsStreamAsync();
            using Stream decoded = coding == "br" ? new BrotliStream(body, CompressionMode.Decompress) : new GZipStream(body, CompressionMode.Decompress);
            using var reader = new StreamReader(decoded, Encoding.UTF8);
            Assert.Equal(text, await reader.ReadToEndAsync());
        }

        using HttpResponseMessage plain = await client.GetAsync(uri);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(text, await plain.Content.ReadAsStringAsync());
    }

    private static void WriteCompressed(string path, string text, Func<Stream, Stream> compressor)
    {
        using (FileStream file = File.Create(path))
        using (Stream compressed = compressor(file))
        {
            compressed.Write(Encoding.UTF8.GetBytes(text));
        }

        // Not older than the original, or the sibling would be stale.
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path[..path.LastIndexOf('.')]).AddSeconds(1));
    }
}
