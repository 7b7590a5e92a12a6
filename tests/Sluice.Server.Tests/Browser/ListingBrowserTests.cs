using Sluice.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Browser;

// The listing page in a real browser (headless Chromium over the DevTools protocol) against the
// real server on 127.0.0.1: the script runs under the page's CSP (a blocked script would leave the
// filter box hidden and the upload inert, and these tests would fail), sorting links, the filter,
// an upload through the page's file input, delete, and the phone layout.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ListingBrowserTests(ITestOutputHelper output)
{
    private static readonly string s_longName = string.Concat(Enumerable.Repeat("a-very-long-file-name-without-spaces", 6)) + ".txt";

    private static void MakeTree(TestServer server)
    {
        string dir = server.PathOf("browse");
        Directory.CreateDirectory(Path.Combine(dir, "zdir"));
        File.WriteAllBytes(Path.Combine(dir, "alpha.txt"), new byte[10]);
        File.WriteAllBytes(Path.Combine(dir, "beta.bin"), new byte[50_000]);
        File.WriteAllBytes(Path.Combine(dir, "gamma.txt"), new byte[2_000]);
        File.WriteAllBytes(Path.Combine(dir, s_longName), new byte[5]);
    }

    private const string RowNames = "Array.from(document.querySelectorAll('tbody tr[data-name]')).map(r => r.dataset.name).join('|')";

    [Fact]
    public async Task SortingLinksAndTheFilterWorkAndAPhoneScreenNeverScrollsSideways()
    {
        Assert.True(HeadlessChromium.IsInstalled, "headless Chromium is required at " + HeadlessChromium.Executable + " (.ci/run installs it)");
        await using var server = TestServer.Start();
        MakeTree(server);
        await using HeadlessChromium browser = await HeadlessChromium.StartAsync();
        output.WriteLine($"chromium pid {browser.ProcessId}");
        await browser.SetViewportAsync(390, 844);

        await browser.NavigateAsync(new Uri(server.BaseUri, "/browse/").ToString());
        Assert.Equal($"zdir|{s_longName}|alpha.txt|beta.bin|gamma.txt", await browser.EvaluateAsync<string>(RowNames));

        // Sort by size through the column's link (server-side), then flip it.
        await browser.EvaluateAsync("window.__sluiceOld = true; document.querySelector('th.size a').click()");
        await browser.WaitForAsync("!window.__sluiceOld && document.readyState === 'complete'");
        Assert.Equal($"zdir|{s_longName}|alpha.txt|gamma.txt|beta.bin", await browser.EvaluateAsync<string>(RowNames));
        await browser.EvaluateAsync("window.__sluiceOld = true; document.querySelector('th.size a').click()");
        await browser.WaitForAsync("!window.__sluiceOld && document.readyState === 'complete'");
        Assert.EndsWith("?sort=size&order=desc", await browser.EvaluateAsync<string>("location.href"), StringComparison.Ordinal);
        Assert.Equal($"zdir|beta.bin|gamma.txt|alpha.txt|{s_longName}", await browser.EvaluateAsync<string>(RowNames));

        // The filter box appears only when the script ran (CSP allowed it) and hides rows as you type.
        Assert.False(await browser.EvaluateAsync<bool>("document.getElementById('filter').hidden"));
        await browser.EvaluateAsync("const f = document.getElementById('filter'); f.value = 'TXT'; f.dispatchEvent(new Event('input'))");
        string visible = await browser.EvaluateAsync<string>("Array.from(document.querySelectorAll('tbody tr[data-name]')).filter(r => !r.hidden).map(r => r.dataset.name).join('|')");
        Assert.Equal($"gamma.txt|alpha.txt|{s_longName}", visible);
        await browser.EvaluateAsync("const g = document.getElementById('filter'); g.value = ''; g.dispatchEvent(new Event('input'))");
        Assert.Equal(0, await browser.EvaluateAsync<int>("document.querySelectorAll('tbody tr[hidden]').length"));

        // 390 px wide: the long name wraps, the date column folds away, nothing scrolls sideways.
        int scrollWidth = await browser.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"scrollWidth {scrollWidth} > 390");
        Assert.Equal("none", await browser.EvaluateAsync<string>("getComputedStyle(document.querySelector('td.time')).display"));
        Assert.True(await browser.EvaluateAsync<int>("document.querySelector('tr[data-name^=\"a-very\"] td.name').getBoundingClientRect().height") > 40, "the long name wraps onto several lines");

        string artefacts = Path.Combine(AppContext.BaseDirectory, "artefacts");
        Directory.CreateDirectory(artefacts);
        string screenshot = Path.Combine(artefacts, "listing-390x844.png");
        byte[] png = await browser.ScreenshotAsync();
        await File.WriteAllBytesAsync(screenshot, png);
        output.WriteLine("screenshot: " + screenshot);
        Assert.Equal((byte)0x89, png[0]);
        Assert.Equal("PNG"u8.ToArray(), png[1..4]);
    }

    [Fact]
    public async Task AFileUploadedThroughThePageLandsOnDiskAndDeleteRemovesIt()
    {
        Assert.True(HeadlessChromium.IsInstalled, "headless Chromium is required at " + HeadlessChromium.Executable + " (.ci/run installs it)");
        await using var server = StartWithUploads();
        MakeTree(server);
        byte[] content = RandomBytes(700_001, seed: 12);
        string source = Path.Combine(server.BaseDirectory, "to upload.bin");
        await File.WriteAllBytesAsync(source, content);
        await using HeadlessChromium browser = await HeadlessChromium.StartAsync();
        output.WriteLine($"chromium pid {browser.ProcessId}");

        await browser.NavigateAsync(new Uri(server.BaseUri, "/browse/").ToString());
        Assert.True(await browser.EvaluateAsync<bool>("!!document.getElementById('files') && !!document.getElementById('drop')"), "uploads are on: the page offers them");

        await browser.SetInputFilesAsync("#files", source);
        // All uploads done → the page reloads and lists the new file.
        await browser.WaitForAsync("document.querySelector('a[href=\"to%20upload.bin\"]') !== null");
        Assert.Equal(Fixtures.Sha256(content), Fixtures.Sha256OfFile(server.PathOf("browse/to upload.bin")));

        // Delete through the row's button (the confirmation answered yes), then the page reloads without it.
        await browser.EvaluateAsync("window.confirm = () => true; document.querySelector('button.del[data-href=\"gamma.txt\"]').click()");
        await browser.WaitForAsync("document.querySelector('a[href=\"gamma.txt\"]') === null && document.readyState === 'complete'");
        Assert.False(File.Exists(server.PathOf("browse/gamma.txt")));
        Assert.True(File.Exists(server.PathOf("browse/alpha.txt")));
    }

    [Fact]
    public async Task WithoutUploadsThePageHasNoUploadOrDeleteControls()
    {
        await using var server = TestServer.Start();
        MakeTree(server);
        RawResponse page = await server.GetAsync("/browse/");
        Assert.Equal(200, page.Status);
        Assert.DoesNotContain("type=\"file\"", page.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"del\"", page.BodyText, StringComparison.Ordinal);

        await using var writable = StartWithUploads();
        MakeTree(writable);
        Assert.Contains("<button class=\"del\"", (await writable.GetAsync("/browse/")).BodyText, StringComparison.Ordinal);
    }
}
