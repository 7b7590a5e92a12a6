namespace Sluice.Interop.Pal;

public enum RenameStatus : byte
{
    Renamed,
    // RENAME_NOREPLACE and the new name exists (EEXIST).
    Exists,
    // ENOENT, ENOTDIR: the old name or the new name's directory is gone.
    NotFound,
    // EISDIR, ENOTEMPTY: the new name is a directory.
    IsDirectory,
    // EXDEV: the two names are on different file systems.
    CrossDevice,
    // ENOSPC, EDQUOT.
    NoSpace,
    // EACCES, EPERM, EROFS.
    NotPermitted,
    // EINVAL: the file system does not support RENAME_NOREPLACE.
    NotSupported,
    Failed,
}
