using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Memory;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Disk;

// The io_uring engine against a file of self-describing blocks: every byte names its offset, so
// a read at the wrong place, a lost short read or a wrong EOF shows as a wrong byte.
public sealed class IoUringDiskEngineTests : IDisposable
{
    private const int Alignment = 4096;
    private const long FileLength = (3 * Alignment) + 100;

    private readonly string _directory = DiskDirectory.NewPath("sluice-uring-");
    private readonly string _path;

    public IoUringDiskEngineTests()
    {
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "blocks.bin");
        Fixtures.WriteBlocksFile(_path, FileLength);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IoUringDiskEngine CreateEngine(int depth = 8)
    {
        IoUringDiskEngine? engine = IoUringDiskEngine.TryCreate(depth, helperThreads: 1, out RingSetupStatus status, out string reason);
        Assert.True(engine is not null, $"io_uring is refused on this machine: {status} {reason} (DESIGN.md says it is enabled here)");
        return engine;
    }

    [Fact]
    public async Task ManyBufferedReadsInFlightReturnTheBytesAtTheirUnalignedOffsets()
    {
        using IoUringDiskEngine engine = CreateEngine(depth: 4);
        using SafeFileHandle file = File.OpenHandle(_path);
        // 40 reads against a depth of 4: most wait in the engine's queue for a free slot.
        var reads = new List<(long Offset, int Count, byte[] Buffer, Task<DiskReadResult> Task)>();
        var random = new Random(7);
        for (int i = 0; i < 40; i++)
        {
            long offset = random.NextInt64(0, FileLength);
            int count = random.Next(1, 9000);
            var buffer = new byte[count];
            reads.Add((offset, count, buffer, engine.ReadAsync(DiskReadKind.Buffered, file, buffer, count, offset)));
        }

        foreach ((long offset, int count, byte[] buffer, Task<DiskReadResult> task) in reads)
        {
            DiskReadResult result = await task.WaitAsync(TimeSpan.FromSeconds(30));
            int expected = (int)Math.Min(count, FileLength - offset);
            Assert.Equal(IoStatus.Done, result.Result.Status);
            Assert.Equal(expected, result.Result.Bytes);
            Fixtures.AssertBytes(Fixtures.Blocks(offset, expected), buffer[..expected], $"read of {count} at {offset}");
        }

        Assert.True(engine.Counters.Submissions >= 40, $"only {engine.Counters.Submissions} submissions");
    }

    [Fact]
    public async Task ADirectReadPastTheEndReturnsTheUnalignedTail()
    {
        using IoUringDiskEngine engine = CreateEngine();
        using SafeFileHandle buffered = File.OpenHandle(_path);
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryReopenDirect(buffered, out SafeFileHandle direct));
        using (direct)
        using (var buffer = new AlignedBuffer(4 * Alignment, Alignment))
        {
            DiskReadResult result = await engine.ReadAsync(DiskReadKind.Direct, direct, buffer, 4 * Alignment, 2 * Alignment, Alignment, simulateUnsupported: false);
            Assert.Equal(IoStatus.Done, result.Result.Status);
            Assert.Equal(FileLength - (2 * Alignment), result.Result.Bytes);
            Fixtures.AssertBytes(Fixtures.Blocks(2 * Alignment, Alignment + 100), buffer.Memory.Span[..(Alignment + 100)].ToArray(), "direct tail");
        }
    }

    [Fact]
    public async Task AMisalignedDirectReadIsNotSupportedAsWithPread()
    {
        using IoUringDiskEngine engine = CreateEngine();
        using SafeFileHandle buffered = File.OpenHandle(_path);
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryReopenDirect(buffered, out SafeFileHandle direct));
        using (direct)
        using (var buffer = new AlignedBuffer(Alignment, Alignment))
        {
            // Offset 1 on an O_DIRECT descriptor: the kernel answers -EINVAL in the CQE.
            DiskReadResult result = await engine.ReadAsync(DiskReadKind.Direct, direct, buffer, Alignment, 1, Alignment, simulateUnsupported: false);
            Assert.Equal(IoStatus.NotSupported, result.Result.Status);
            Assert.Equal(22, result.Result.Errno);
        }
    }

    [Fact]
    public async Task AReadOnADescriptorNotOpenForReadingFails()
    {
        using IoUringDiskEngine engine = CreateEngine();
        using SafeFileHandle writeOnly = File.OpenHandle(_path, FileMode.Open, FileAccess.Write);
        var buffer = new byte[100];
        DiskReadResult result = await engine.ReadAsync(DiskReadKind.Buffered, writeOnly, buffer, 100, 0);
        Assert.Equal(IoStatus.Failed, result.Result.Status);
        Assert.Equal(9, result.Result.Errno); // EBADF
    }

    [Fact]
    public async Task AFaultOnTheReaperFailsThatReadAndTheEngineGoesOn()
    {
        using IoUringDiskEngine engine = CreateEngine();
        using SafeFileHandle file = File.OpenHandle(_path);
        int thrown = 0;
        engine.BeforeComplete = () =>
        {
            if (Interlocked.Exchange(ref thrown, 1) == 0)
            {
                throw new InvalidOperationException("injected reaper fault");
            }
        };

        DiskReadResult first = await engine.ReadAsync(DiskReadKind.Buffered, file, new byte[10], 10, 0).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(IoStatus.Failed, first.Result.Status);
        Assert.IsType<InvalidOperationException>(first.Error);

        var buffer = new byte[10];
        DiskReadResult second = await engine.ReadAsync(DiskReadKind.Buffered, file, buffer, 10, 5).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(IoStatus.Done, second.Result.Status);
        Fixtures.AssertBytes(Fixtures.Blocks(5, 10), buffer, "read after the fault");
    }

    [Fact]
    public async Task ContinuationsNeverRunOnTheReaper()
    {
        using IoUringDiskEngine engine = CreateEngine();
        using SafeFileHandle file = File.OpenHandle(_path);
        for (int i = 0; i < 20; i++)
        {
            await engine.ReadAsync(DiskReadKind.Buffered, file, new byte[10], 10, i);
            Assert.NotEqual("sluice-uring-reaper", Thread.CurrentThread.Name);
        }
    }

    [Fact]
    public async Task DisposeWaitsForReadsInFlightAndRefusesNewOnes()
    {
        IoUringDiskEngine engine = CreateEngine(depth: 2);
        using SafeFileHandle file = File.OpenHandle(_path);
        var tasks = Enumerable.Range(0, 10).Select(i => engine.ReadAsync(DiskReadKind.Buffered, file, new byte[100], 100, i)).ToList();
        engine.Dispose();
        DiskReadResult[] results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        // Reads already in the kernel finish whole; those still queued fail as disposed; none is lost.
        foreach (DiskReadResult r in results)
        {
            if (r.Result.Status == IoStatus.Done)
            {
                Assert.Equal(100, r.Result.Bytes);
            }
            else
            {
                Assert.IsType<ObjectDisposedException>(r.Error);
            }
        }

        Assert.Contains(results, r => r.Result.Status == IoStatus.Done);
        DiskReadResult late = await engine.ReadAsync(DiskReadKind.Buffered, file, new byte[10], 10, 0);
        Assert.IsType<ObjectDisposedException>(late.Error);
    }
}
