namespace Sluice.Interop.Pal;

// Device is st_dev of statx: major << 32 | minor (the filesystem the file lives on).
public readonly record struct FileMetadata(
    long Length,
    ulong Inode,
    ulong Device,
    long ModifiedUnixNanoseconds,
    long ChangedUnixNanoseconds,
    bool IsDirectory,
    bool IsRegularFile,
    uint DirectIoOffsetAlignment,
    uint DirectIoMemoryAlignment)
{
    // Same file, same bytes, as far as the kernel can tell: identity (device, inode) and the
    // times a write or a metadata change would move.
    public bool SameVersionAs(in FileMetadata other) =>
        Device == other.Device && Inode == other.Inode && Length == other.Length
        && ModifiedUnixNanoseconds == other.ModifiedUnixNanoseconds && ChangedUnixNanoseconds == other.ChangedUnixNanoseconds;

    public uint DeviceMajor => (uint)(Device >> 32);

    public uint DeviceMinor => (uint)Device;

    public DateTimeOffset Modified => DateTimeOffset.UnixEpoch.AddTicks(ModifiedUnixNanoseconds / 100);
}
