using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Tests.Uploads.Tus;

public sealed class RenamePlacerTests : IDisposable
{
    private readonly string _base = DiskDirectory.NewPath("sluice-place-");
    private readonly string _root;
    private readonly string _staging;
    private readonly SafeFileHandle _rootHandle;
    private readonly RenamePlacer _placer;

    public RenamePlacerTests()
    {
        _root = Path.Combine(_base, "root");
        _staging = Path.Combine(_base, "staging");
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        Directory.CreateDirectory(_staging);
        Assert.Equal(FileOpenStatus.Opened, FilePal.TryOpenDirectory(_root, out _rootHandle));
        _placer = new RenamePlacer(_rootHandle);
    }

    public void Dispose()
    {
        _rootHandle.Dispose();
        Directory.Delete(_base, recursive: true);
    }

    private string Stage(byte[] bytes, string name = "staged.data")
    {
        string path = Path.Combine(_staging, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void PlacesTheStagedFileUnderItsNameAndLeavesNothingBehind()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(100_000);
        string staged = Stage(bytes);
        Assert.Equal(PlacementStatus.Placed, _placer.Place(staged, "dir/a.bin", ifNoneMatch: true));
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, "dir", "a.bin"))));
        Assert.False(File.Exists(staged));
        Assert.Equal(["a.bin"], Directory.GetFileSystemEntries(Path.Combine(_root, "dir")).Select(Path.GetFileName));
    }

    [Fact]
    public void ReplacesAnExistingFileUnlessCreateOnly()
    {
        string target = Path.Combine(_root, "a.txt");
        File.WriteAllText(target, "old");

        Assert.Equal(PlacementStatus.Exists, _placer.Check("a.txt", ifNoneMatch: true));
        string staged = Stage("new"u8.ToArray());
        Assert.Equal(PlacementStatus.Exists, _placer.Place(staged, "a.txt", ifNoneMatch: true));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.True(File.Exists(staged));

        Assert.Equal(PlacementStatus.Placed, _placer.Check("a.txt", ifNoneMatch: false));
        Assert.Equal(PlacementStatus.Placed, _placer.Place(staged, "a.txt", ifNoneMatch: false));
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void RacingCreateOnlyPlacementsPlaceExactlyOne()
    {
        for (int round = 0; round < 50; round++)
        {
            string name = $"race{round}.bin";
            string[] staged = Enumerable.Range(0, 4).Select(i => Stage([(byte)i], $"r{round}-{i}.data")).ToArray();
            using var start = new Barrier(staged.Length);
            PlacementStatus[] results = new PlacementStatus[staged.Length];
            Parallel.For(0, staged.Length, new ParallelOptions { MaxDegreeOfParallelism = staged.Length }, i =>
            {
                start.SignalAndWait();
                results[i] = _placer.Place(staged[i], name, ifNoneMatch: true);
            });

            Assert.Equal(1, results.Count(r => r == PlacementStatus.Placed));
            Assert.Equal(staged.Length - 1, results.Count(r => r == PlacementStatus.Exists));
            int winner = Array.IndexOf(results, PlacementStatus.Placed);
            Assert.Equal([(byte)winner], File.ReadAllBytes(Path.Combine(_root, name)));
        }
    }

    [Fact]
    public void ASymlinkedParentIsRefusedEvenWhenItStaysInside()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "inside"), Path.Combine(_root, "dir"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "outside"), _staging);
        Assert.Equal(PlacementStatus.Forbidden, _placer.Check("inside/a.bin", false));
        Assert.Equal(PlacementStatus.Forbidden, _placer.Check("outside/a.bin", false));
        string staged = Stage("x"u8.ToArray());
        Assert.Equal(PlacementStatus.Forbidden, _placer.Place(staged, "inside/a.bin", false));
        Assert.Equal(PlacementStatus.Forbidden, _placer.Place(staged, "outside/a.bin", false));
        Assert.False(File.Exists(Path.Combine(_root, "dir", "a.bin")));
        Assert.Equal(["staged.data"], Directory.GetFiles(_staging).Select(Path.GetFileName));
    }

    // The rule of PUT (UploadHandler, README "Uploads"): a symlink as the final name is 403 — not
    // written through, and not replaced either. Checked at creation and again at placement.
    [Fact]
    public void ASymlinkAtTheNameIsRefusedNotReplacedNorWrittenThrough()
    {
        string victim = Path.Combine(_staging, "victim.txt");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(Path.Combine(_root, "link.txt"), victim);
        Assert.Equal(PlacementStatus.Forbidden, _placer.Check("link.txt", ifNoneMatch: false));
        Assert.Equal(PlacementStatus.Forbidden, _placer.Place(Stage("new"u8.ToArray()), "link.txt", ifNoneMatch: false));
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(Path.Combine(_root, "link.txt")).LinkTarget);
    }

    [Fact]
    public void MissingParentsAndDirectoriesAtTheNameAreConflicts()
    {
        Assert.Equal(PlacementStatus.ParentMissing, _placer.Check("nope/a.bin", false));
        File.WriteAllText(Path.Combine(_root, "file"), "x");
        Assert.Equal(PlacementStatus.ParentMissing, _placer.Check("file/a.bin", false));
        Assert.Equal(PlacementStatus.IsDirectory, _placer.Check("dir", false));
        Assert.Equal(PlacementStatus.IsDirectory, _placer.Place(Stage("x"u8.ToArray()), "dir", false));
    }

    [Fact]
    public void AcrossFileSystemsTheCopyIsAtomicAndLeavesNoHiddenFile()
    {
        // /dev/shm is tmpfs; the root is on disk (DiskDirectory): a real EXDEV pair.
        string shm = Path.Combine("/dev/shm", "sluice-place-" + Guid.NewGuid().ToString("N"));
        Assert.True(Directory.Exists("/dev/shm") && DiskDirectory.IsMemoryBacked("/dev/shm") && !DiskDirectory.IsMemoryBacked(_root), "needs tmpfs /dev/shm and a disk-backed root");
        Directory.CreateDirectory(shm);
        try
        {
            byte[] bytes = RandomNumberGenerator.GetBytes(300_000);
            string staged = Path.Combine(shm, "staged.data");
            File.WriteAllBytes(staged, bytes);
            File.WriteAllText(Path.Combine(_root, "dir", "a.bin"), "old");

            Assert.Equal(PlacementStatus.Exists, _placer.Place(staged, "dir/a.bin", ifNoneMatch: true));
            Assert.Equal("old", File.ReadAllText(Path.Combine(_root, "dir", "a.bin")));
            Assert.Equal(PlacementStatus.Placed, _placer.Place(staged, "dir/a.bin", ifNoneMatch: false));

            Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, "dir", "a.bin"))));
            Assert.False(File.Exists(staged));
            Assert.Equal(["a.bin"], Directory.GetFileSystemEntries(Path.Combine(_root, "dir")).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }
}
