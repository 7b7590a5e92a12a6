using Sluice.Core.Content;

namespace Sluice.Core.Tests.Content;

public sealed class MimeTypesTests
{
    [Theory]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("INDEX.HTM", "text/html; charset=utf-8")]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("data.json", "application/json; charset=utf-8")]
    [InlineData("feed.xml", "application/xml; charset=utf-8")]
    [InlineData("logo.svg", "image/svg+xml; charset=utf-8")]
    [InlineData("notes.txt", "text/plain; charset=utf-8")]
    [InlineData("photo.JPG", "image/jpeg")]
    [InlineData("photo.jpeg", "image/jpeg")]
    [InlineData("movie.Mp4", "video/mp4")]
    [InlineData("archive.tar.gz", "application/gzip")]
    [InlineData("archive.tgz", "application/gzip")]
    [InlineData("archive.tar", "application/x-tar")]
    [InlineData("image.iso", "application/x-iso9660-image")]
    [InlineData("module.wasm", "application/wasm")]
    [InlineData("font.woff2", "font/woff2")]
    [InlineData("dir.d/file.zst", "application/zstd")]
    [InlineData("a/b.c/README", "application/octet-stream")] // a dot in a directory is not an extension
    [InlineData("README", "application/octet-stream")]
    [InlineData(".bashrc", "application/octet-stream")]    // a leading dot marks a hidden file, not an extension
    [InlineData(".json", "application/octet-stream")]      // (as Python's splitext has it)
    [InlineData(".config.json", "application/json; charset=utf-8")]
    [InlineData("file.", "application/octet-stream")]
    [InlineData("file.unknownext", "application/octet-stream")]
    [InlineData("", "application/octet-stream")]
    [InlineData("script.py", "text/plain; charset=utf-8")]
    [InlineData("run.sh", "text/plain; charset=utf-8")]
    [InlineData("main.c", "text/plain; charset=utf-8")]
    [InlineData("main.h", "text/plain; charset=utf-8")]
    [InlineData("main.cpp", "text/plain; charset=utf-8")]
    [InlineData("lib.rs", "text/plain; charset=utf-8")]
    [InlineData("main.go", "text/plain; charset=utf-8")]
    [InlineData("Main.java", "text/plain; charset=utf-8")]
    [InlineData("Program.CS", "text/plain; charset=utf-8")]
    [InlineData("app.ts", "text/plain; charset=utf-8")]
    [InlineData("ci.yaml", "text/plain; charset=utf-8")]
    [InlineData("ci.yml", "text/plain; charset=utf-8")]
    [InlineData("Cargo.toml", "text/plain; charset=utf-8")]
    [InlineData("php.ini", "text/plain; charset=utf-8")]
    [InlineData("nginx.conf", "text/plain; charset=utf-8")]
    [InlineData("README.md", "text/markdown; charset=utf-8")]
    [InlineData("table.csv", "text/csv; charset=utf-8")]
    [InlineData("server.log", "text/plain; charset=utf-8")]
    public void GetContentType(string fileName, string expected)
    {
        Assert.Equal(expected, MimeTypes.GetContentType(fileName));
    }

    [Fact]
    public void ReturnsTheSameStaticInstanceWithoutAllocating()
    {
        Assert.Same(MimeTypes.GetContentType("a.png"), MimeTypes.GetContentType("b.PNG"));

        MimeTypes.GetContentType("warm.up.css");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            MimeTypes.GetContentType("some/dir/file.CSS");
            MimeTypes.GetContentType("no-extension");
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
