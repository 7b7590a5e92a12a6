using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Cli.Tests;

public sealed partial class ServeCommandTests
{
    // --digest-xattr reaches the server: Repr-Digest arrives once computed and equals the file's
    // SHA-256, and the digest is stored in user.sluice.sha256 with the file's size.
    [Fact]
    public async Task DigestXattrServesReprDigestAndStoresIt()
    {
        string path = Path.Combine(_directory, "data.bin");
        byte[] content = new byte[300_000];
        new Random(5).NextBytes(content);
        File.WriteAllBytes(path, content);
        string expected = "sha-256=:" + Convert.ToBase64String(SHA256.HashData(content)) + ":";

        await using SluiceProcess sluice = SluiceProcess.Start("serve", _directory, "--port", "0", "--digest-xattr");
        string line = await sluice.WaitForStderrLineAsync(l => ServingRegex().IsMatch(l), s_quick);
        int port = int.Parse(ServingRegex().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        string? digest = null;
        var clock = Stopwatch.StartNew();
        while (digest is null && clock.Elapsed < s_quick)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/data.bin"));
            request.Headers.TryAddWithoutValidation("Want-Repr-Digest", "sha-256=1");
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
            digest = response.Headers.TryGetValues("Repr-Digest", out IEnumerable<string>? values) ? values.Single() : null;
            await Task.Delay(20);
        }

        Assert.Equal(expected, digest);
        byte[] value = new byte[128];
        int length = 0;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            using SafeFileHandle handle = File.OpenHandle(path);
            return XattrPal.TryGet(handle, "user.sluice.sha256", value, out length) == XattrStatus.Done;
        }, TimeSpan.FromSeconds(10)));
        string stored = Encoding.ASCII.GetString(value, 0, length);
        Assert.StartsWith($"v1 {content.Length} ", stored, StringComparison.Ordinal);
        Assert.EndsWith(" " + Convert.ToHexStringLower(SHA256.HashData(content)), stored, StringComparison.Ordinal);
    }
}
