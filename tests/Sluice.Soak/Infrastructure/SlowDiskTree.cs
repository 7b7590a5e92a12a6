using System.Security.Cryptography;

namespace Sluice.Soak.Infrastructure;

// The served tree on the slow disk, written once per test class, with the checksum of every body
// computed from the bytes as they were written (the test never reads the slow disk itself).
public sealed class SlowDiskTree : IAsyncLifetime
{
    public const int LargeFiles = 6;
    public const int LargeFileLength = 64 * 1024 * 1024;
    public const int ListingEntries = 4000;

    public const string Hot = "/hot.txt";
    // Sorted by size: that order needs a statx of every entry (name order stats only the page
    // shown), so the cold listing still costs the whole directory's inode reads.
    public const string Listing = "/listing/?sort=size";

    // Entries on one listing page (ListingQuery.PageSize).
    public const int ListingPageEntries = 1000;
    public const string NeverOpened = "/never/opened/deep/file.bin";

    private readonly Dictionary<string, string> _checksums = new(StringComparer.Ordinal);

    public SlowDisk Disk { get; } = new();

    public static IEnumerable<string> Large => Enumerable.Range(0, LargeFiles).Select(i => $"/large-{i}.bin");

    // Small bodies: with auto they go by the copy path (one pread of the whole body).
    public static IEnumerable<string> Small => ["/small-4k.bin", "/small-100k.bin"];

    public string Checksum(string target) => _checksums[target];

    public async Task InitializeAsync()
    {
        try
        {
            await Disk.InitializeAsync();
            WriteTree();
        }
        catch (Exception failure)
        {
            // Whether xunit disposes a fixture whose initialisation failed is not something to rely
            // on: undo what was made here (DisposeAsync is idempotent), keeping the first failure.
            try
            {
                await Disk.DisposeAsync();
            }
            catch (Exception cleanup)
            {
                throw new AggregateException(failure, cleanup);
            }

            throw;
        }
    }

    public Task DisposeAsync() => Disk.DisposeAsync();

    private void WriteTree()
    {
        int seed = 1;
        foreach (string target in Large)
        {
            Write(target, LargeFileLength, seed++);
        }

        Write("/small-4k.bin", 4096, seed++);
        Write("/small-100k.bin", 100 * 1024, seed++);
        Write(Hot, 4096, seed++);
        Write(NeverOpened, 4096, seed++);

        // A listing stats every entry. ext4 reads inode tables ahead 32 blocks (512 inodes) at a time,
        // so a small listing costs one read; 4000 entries cost about 1 MiB of inode table, seconds here.
        Directory.CreateDirectory(Disk.File("listing"));
        for (int i = 0; i < ListingEntries; i++)
        {
            File.WriteAllText(Disk.File($"listing/entry-{i:D4}.txt"), $"entry {i}\n");
        }
    }

    private void Write(string target, int length, int seed)
    {
        string path = Disk.File(target.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        _checksums[target] = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
