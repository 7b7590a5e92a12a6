namespace Sluice.Interop.Pal;

public enum DirectoryReadStatus
{
    Entry,
    End,
    // getdents64 failed (EIO, ENOENT for a directory removed while read …): the listing is incomplete.
    Failed,
}
