namespace Sluice.Interop.Pal;

// How a write-side file-system call (uploads: create, link, rename, unlink, mkdir, write, fsync)
// ended, errno folded into what the HTTP layer tells apart.
public enum FileWriteStatus : byte
{
    Done,
    // EEXIST (and ENOTEMPTY from a rename over a directory): the name is taken.
    Exists,
    // ENOENT, ENOTDIR: a component of the path is missing or not a directory.
    NotFound,
    // EACCES, EPERM, EROFS.
    NotPermitted,
    // ENOSPC, EDQUOT.
    NoSpace,
    // The file system refuses the operation (O_TMPFILE: EOPNOTSUPP, EISDIR or EINVAL).
    NotSupported,
    // EISDIR: a directory stands where a file was meant to go.
    IsDirectory,
    // ENOTEMPTY: rmdir of a directory that has entries.
    NotEmpty,
    // ELOOP, EXDEV from openat2 RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH: a symlink or a way out of the root.
    OutsideRoot,
    TooManyOpenFiles,
    NameTooLong,
    Failed,
}
