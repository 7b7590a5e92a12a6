using System.Diagnostics;
using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// A full file system: 507 and nothing left, on a 1 MiB tmpfs mounted for the test (needs root,
// which the test machines are; the mount is undone in every case).
public sealed class NoSpaceTests
{
    [Fact]
    public async Task AnUploadLargerThanTheFreeSpaceIs507BeforeItsBodyIsRead()
    {
        await using var mount = await SmallMount.CreateAsync();
        await using var server = StartWithUploads(server: o => o with { Root = mount.Path });
        await using RawHttpConnection connection = await server.ConnectAsync();
        await connection.SendAsync(PutHead("/big.bin", 2 * 1024 * 1024, "Expect: 100-continue\r\n"));
        Assert.Equal(507, (await connection.ReadResponseAsync()).Status);
        Assert.Empty(Names(mount.Path));
    }

    [Fact]
    public async Task RunningOutOfSpaceMidUploadIs507AndLeavesNothing()
    {
        await using var mount = await SmallMount.CreateAsync();
        await using var server = StartWithUploads(server: o => o with { Root = mount.Path });
        byte[] a = RandomBytes(600 * 1024, seed: 10);
        byte[] b = RandomBytes(600 * 1024, seed: 11);

        // A passes the free-space guard while the disk is empty and stops early (nothing written yet:
        // the receiver writes in 256 KiB chunks) …
        await using RawHttpConnection first = await server.ConnectAsync();
        await first.SendAsync(Encoding.ASCII.GetBytes(PutHead("/a.bin", a.Length, "Expect: 100-continue\r\n")));
        Assert.Equal(100, (await first.ReadHeadAsync()).Status);
        // … B fills most of the disk …
        Assert.Equal(201, (await PutAsync(server, "/b.bin", b)).Status);
        // … so the rest of A cannot fit: the write fails with ENOSPC.
        await first.SendAsync(a);
        Assert.Equal(507, (await first.ReadResponseAsync()).Status);

        Assert.Equal(["b.bin"], Names(mount.Path));
        Assert.Equal(Fixtures.Sha256(b), Fixtures.Sha256OfFile(System.IO.Path.Combine(mount.Path, "b.bin")));
    }

    private sealed class SmallMount : IAsyncDisposable
    {
        private SmallMount(string path) => Path = path;

        public string Path { get; }

        public static async Task<SmallMount> CreateAsync()
        {
            string path = DiskDirectory.NewPath("sluice-enospc-");
            Directory.CreateDirectory(path);
            await RunAsync("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", path);
            return new SmallMount(path);
        }

        public async ValueTask DisposeAsync()
        {
            await RunAsync("umount", "-l", Path);
            Directory.Delete(Path);
        }

        private static async Task RunAsync(string file, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string error = await process.StandardError.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {error}");
        }
    }
}
