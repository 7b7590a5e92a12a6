namespace Sluice.Interop.Pal;

public readonly record struct FileMetadata(
    long Length,
    ulong Inode,
    ulong Device,
    long ModifiedUnixNanoseconds,
    bool IsDirectory,
    bool IsRegularFile,
    uint DirectIoOffsetAlignment,
    uint DirectIoMemoryAlignment)
{
    public DateTimeOffset Modified => DateTimeOffset.UnixEpoch.AddTicks(ModifiedUnixNanoseconds / 100);
}
