namespace Sluice.Interop.Pal;

// What a name inside a directory is, seen without following a final symlink.
public enum DirectoryEntryKind : byte
{
    Missing,
    File,
    Directory,
    Symlink,
    // A FIFO, socket or device.
    Other,
    // statx failed for another reason than ENOENT (EACCES …).
    Failed,
}
