namespace Sluice.Server.Uploads.Tus;

// How placing a completed upload under its name ended, and the status each answers.
public enum PlacementStatus : byte
{
    Placed,
    // Create-only (ifnonematch) and the name exists (412).
    Exists,
    // The parent directory does not exist or is not a directory (409, as a WebDAV PUT: RFC 4918 §9.7.1).
    ParentMissing,
    // The name is a directory (409).
    IsDirectory,
    // Outside the root, through a symlink, EACCES/EPERM/EROFS (403).
    Forbidden,
    // ENOSPC/EDQUOT (507).
    NoSpace,
    Failed,
}
