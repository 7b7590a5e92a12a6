namespace Sluice.Interop.Pal;

// How an extended-attribute call ended, errno folded into what callers tell apart.
public enum XattrStatus : byte
{
    Done,
    // ENODATA: the file has no such attribute.
    Absent,
    // ERANGE: the stored value is larger than the buffer (not one this program wrote).
    TooLarge,
    // ENOTSUP/EOPNOTSUPP: the filesystem keeps no user.* attributes (or not on this kind of file).
    NotSupported,
    // EACCES, EPERM, EROFS: this process may not change the file, or the filesystem is read-only.
    NotPermitted,
    // ENOSPC, EDQUOT, E2BIG: no room for the attribute.
    NoSpace,
    Failed,
}
