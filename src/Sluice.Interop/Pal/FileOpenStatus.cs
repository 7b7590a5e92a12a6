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
    // O_DIRECT refused by the filesystem (EINVAL), e.g. tmpfs.
    NotSupported,
    Failed,
}
