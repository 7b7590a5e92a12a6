using Microsoft.Win32.SafeHandles;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Tests.Uploads.Tus;

public sealed class TusStagingStoreTests : IDisposable
{
    private readonly string _dir = DiskDirectory.NewPath("sluice-staging-");
    private readonly ManualTime _time = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private TusStagingStore NewStore(long quota = 0)
    {
        var store = new TusStagingStore(_dir, TimeSpan.FromHours(24), quota, _time);
        store.Load();
        return store;
    }

    private static void Append(TusStagingStore store, StagedUpload upload, byte[] bytes)
    {
        using SafeFileHandle data = store.OpenData(upload);
        RandomAccess.Write(data, bytes, upload.Offset);
        store.Commit(upload, data, bytes.Length);
    }

    [Fact]
    public void CreatedUploadIsPrivateToItsOwnerAndStagedOnDisk()
    {
        TusStagingStore store = NewStore();
        Assert.Equal(StageStatus.Created, store.TryCreate("dir/a.bin", "alice", 10, ifNoneMatch: true, out StagedUpload upload));

        Assert.Same(upload, store.Find(upload.Id, "alice"));
        Assert.Null(store.Find(upload.Id, "bob"));
        Assert.Null(store.Find(upload.Id, ""));
        Assert.True(File.Exists(store.DataPath(upload)));
        Assert.Equal(0, new FileInfo(store.DataPath(upload)).Length);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(24), upload.Expires);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        }
    }

    [Fact]
    public void OffsetsAndRecordsSurviveANewInstanceOverTheSameDirectory()
    {
        TusStagingStore first = NewStore();
        first.TryCreate("a.bin", "alice", 10, ifNoneMatch: true, out StagedUpload upload);
        Append(first, upload, "hello"u8.ToArray());
        Assert.Equal(5, upload.Offset);

        TusStagingStore second = NewStore();
        StagedUpload? reloaded = second.Find(upload.Id, "alice");
        Assert.NotNull(reloaded);
        Assert.Equal(5, reloaded.Offset);
        Assert.Equal(10, reloaded.Length);
        Assert.Equal("a.bin", reloaded.Target);
        Assert.True(reloaded.IfNoneMatch);
        Assert.Equal(upload.Expires, reloaded.Expires);
        Assert.Equal(10, second.ReservedBytes);
    }

    [Fact]
    public void CommitKeepsExactlyTheBytesReportedWritten()
    {
        TusStagingStore store = NewStore();
        store.TryCreate("a.bin", "", 100, ifNoneMatch: false, out StagedUpload upload);
        using (SafeFileHandle data = store.OpenData(upload))
        {
            // A mechanism that failed mid-block left 8 bytes but reported 3 written.
            RandomAccess.Write(data, "abcdefgh"u8, 0);
            Assert.Equal(3, store.Commit(upload, data, 3));
        }

        Assert.Equal("abc", File.ReadAllText(store.DataPath(upload)));
        Assert.Equal(3, NewStore().Find(upload.Id, "")!.Offset);
    }

    [Fact]
    public void BrokenAndOrphanedFilesAreRemovedOnLoad()
    {
        TusStagingStore store = NewStore();
        store.TryCreate("a.bin", "", 10, ifNoneMatch: false, out StagedUpload kept);
        string orphan = Path.Combine(_dir, Sluice.Core.Uploads.UploadId.New() + ".data");
        File.WriteAllText(orphan, "no record");
        string broken = Path.Combine(_dir, Sluice.Core.Uploads.UploadId.New() + ".info");
        File.WriteAllText(broken, "not a record");
        string temp = Path.Combine(_dir, kept.Id + ".info.tmp");
        File.WriteAllText(temp, "half");

        TusStagingStore reloaded = NewStore();
        Assert.Equal(1, reloaded.Count);
        Assert.NotNull(reloaded.Find(kept.Id, ""));
        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(broken));
        Assert.False(File.Exists(temp));
    }

    [Fact]
    public void ExpiredUploadsAreNotFoundAndTheSweepDeletesThem()
    {
        TusStagingStore store = NewStore();
        store.TryCreate("a.bin", "", 10, ifNoneMatch: false, out StagedUpload upload);
        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.NotNull(store.Find(upload.Id, ""));
        Assert.Equal(0, store.Sweep());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(store.Find(upload.Id, ""));
        Assert.True(File.Exists(store.DataPath(upload)));
        Assert.Equal(1, store.Sweep());
        Assert.False(File.Exists(store.DataPath(upload)));
        Assert.Empty(Directory.GetFiles(_dir));
        Assert.Equal(0, store.ReservedBytes);
    }

    [Fact]
    public void AnUploadHeldByARequestIsNotSweptUnderIt()
    {
        TusStagingStore store = NewStore();
        store.TryCreate("a.bin", "", 10, ifNoneMatch: false, out StagedUpload upload);
        Assert.True(upload.TryEnter());
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, store.Sweep());
        upload.Exit();
        Assert.Equal(1, store.Sweep());
    }

    [Fact]
    public void QuotaCountsDeclaredLengthsOfUnfinishedUploads()
    {
        TusStagingStore store = NewStore(quota: 100);
        Assert.Equal(StageStatus.Created, store.TryCreate("a", "", 60, false, out StagedUpload a));
        Assert.Equal(StageStatus.QuotaExceeded, store.TryCreate("b", "", 41, false, out _));
        Assert.Equal(StageStatus.Created, store.TryCreate("b", "", 40, false, out _));
        Assert.Equal(100, store.ReservedBytes);

        store.Remove(a);
        Assert.Equal(40, store.ReservedBytes);
        Assert.Equal(StageStatus.Created, store.TryCreate("c", "", 60, false, out _));
    }

    [Fact]
    public void AnUploadLargerThanTheFreeSpaceIsRefused()
    {
        TusStagingStore store = NewStore();
        long free = new DriveInfo(_dir).AvailableFreeSpace;
        Assert.Equal(StageStatus.NoSpace, store.TryCreate("a", "", free + (1L << 30), false, out _));
        Assert.Equal(0, store.ReservedBytes);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task ExpirySweeperRunsOnItsTimer()
    {
        TusStagingStore store = NewStore();
        store.TryCreate("a.bin", "", 10, ifNoneMatch: false, out StagedUpload upload);
        _time.Advance(TimeSpan.FromDays(2));
        // The clock of expiry is the manual one; the sweep period is a real (short) timer.
        using var sweeper = new TusExpirySweeper(store, TimeSpan.FromMilliseconds(20), TimeProvider.System);
        Assert.True(await Wait.UntilAsync(() => store.Count == 0, TimeSpan.FromSeconds(30)), "the sweeper never removed the expired upload");
        Assert.False(File.Exists(store.DataPath(upload)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3600, 60)]
    [InlineData(24 * 3600, 60)]
    [InlineData(100, 10)]
    public void SweepPeriodIsATenthOfTheExpiryWithinBounds(int expirySeconds, int periodSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(periodSeconds), TusExpirySweeper.PeriodFor(TimeSpan.FromSeconds(expirySeconds)));
}
