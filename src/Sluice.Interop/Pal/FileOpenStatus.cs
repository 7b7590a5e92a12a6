namespace Sluice.Interop.Pal;

public enum FileOpenStatus : byte
{
    Opened,
    NotFound,
    PermissionDenied,
    // The path would resolve outside the served root (a symlink or an absolute link target).
    OutsideRoot,
    TooManyOpenFiles,
    NameTooLong,
    // A special file that cannot be opened for reading: a Unix socket (ENXIO), a device without
    // a driver (ENXIO, ENODEV). Like FIFOs and devices that do open, it is never served.
    SpecialFile,
    // O_DIRECT refused by the filesystem (EINVAL), e.g. tmpfs.
    NotSupported,
    Failed,
    // openat2(RESOLVE_CACHED) refused with EAGAIN: the path walk would need I/O (a cold dentry
    // or inode), so the open belongs to the disk engine.
    WouldBlock,
}
