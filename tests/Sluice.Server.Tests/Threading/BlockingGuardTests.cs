using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Threading;

// The Debug-build guard of the threading rule: a blocking file call in a flow that serves a
// socket fails unless it runs on a disk-engine thread. (The suite runs Debug builds, where the
// guard is compiled in; every server test then also proves that no path bypasses the engine.)
public sealed class BlockingGuardTests : IDisposable
{
    private readonly string _directory = DiskDirectory.NewPath("sluice-guard-");
    private readonly string _path;

    public BlockingGuardTests()
    {
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "file.bin");
        File.WriteAllBytes(_path, new byte[4096]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

#if DEBUG
    [Fact]
    public async Task BlockingOpenInASocketFlowFailsWithTheGuardsMessage()
    {
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() =>
        {
            BlockingGuard.EnterSocketFlow();
            OpenAndClose(_path);
        }));

        Assert.Contains("blocking file call 'open' on a thread that serves sockets", ex.Message);
        Assert.Contains("disk engine", ex.Message);
    }

    [Fact]
    public async Task PreadInASocketFlowFailsEvenAfterAnAwaitMovedItToAnotherThread()
    {
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(_path, out SafeFileHandle handle));
        using (handle)
        {
            InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                BlockingGuard.EnterSocketFlow();
                await Task.Yield();
                await Task.Delay(1);
                _ = FilePal.Pread(handle, new byte[16], 0);
            });

            Assert.Contains("'pread'", ex.Message);
        }
    }
#endif

    [Fact]
    public async Task TheSameCallsRunOnTheDiskEngineFromASocketFlow()
    {
        using var engine = new ThreadDiskEngine(1);
        FileOpenStatus opened = await Task.Run(async () =>
        {
            BlockingGuard.EnterSocketFlow();
            return await engine.RunAsync(static path => OpenAndClose(path), _path);
        });

        Assert.Equal(FileOpenStatus.Opened, opened);
    }

    [Fact]
    public void AFlowThatServesNoSocketMayBlock()
    {
        Assert.False(BlockingGuard.ServingSocket);
        Assert.Equal(FileOpenStatus.Opened, OpenAndClose(_path));
    }

    [Fact]
    public async Task NonBlockingCallsAreAllowedInASocketFlow()
    {
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenReadOnly(_path, out SafeFileHandle handle));
        using (handle)
        {
            IoResult read = await Task.Run(() =>
            {
                BlockingGuard.EnterSocketFlow();
                return FilePal.PreadNoWait(handle, new byte[16], 0);
            });

            // Written just now: cached, so RWF_NOWAIT serves it (the test directory is on a disk).
            Assert.Equal(IoStatus.Done, read.Status);
        }
    }

    private static FileOpenStatus OpenAndClose(string path)
    {
        FileOpenStatus status = FilePal.TryOpenReadOnly(path, out SafeFileHandle handle);
        handle?.Dispose();
        return status;
    }
}
