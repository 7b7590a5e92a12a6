using Sluice.Interop.Pal;
using Sluice.Server.Configuration;
using Sluice.Server.Disk;
using Sluice.Server.Logging;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Tests.Uploads.Tus;

public sealed class TusServiceTests : IDisposable
{
    private readonly string _base = DiskDirectory.NewPath("sluice-tussvc-");

    public TusServiceTests() => Directory.CreateDirectory(Path.Combine(_base, "site"));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public async Task StartsWithTheDefaultStagingBesideTheRootAndReloadsUploads()
    {
        string root = Path.Combine(_base, "site");
        var options = new ServerOptions { Root = root };
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenDirectory(root, out var rootHandle));
        using (rootHandle)
        using (var disk = new ThreadDiskEngine(1))
        {
            await using var log = new ServerLog(TextWriter.Null, TextWriter.Null, quiet: true);
            string id;
            using (TusService first = TusService.Start(options, rootHandle, disk, maxUploadSize: 100, log))
            {
                Assert.Equal(Path.Combine(_base, ".site.sluice-staging"), first.Store.Directory);
                first.Store.TryCreate("a.bin", "", 10, false, out StagedUpload upload);
                id = upload.Id;
            }

            using TusService second = TusService.Start(options, rootHandle, disk, maxUploadSize: 100, log);
            Assert.NotNull(second.Store.Find(id, ""));
        }
    }
}
