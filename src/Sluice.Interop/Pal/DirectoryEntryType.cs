namespace Sluice.Interop.Pal;

// d_type of a directory entry, with the kernel's DT_* values. Unknown is legal on file systems that
// do not record the type (XFS without ftype, some network file systems): the caller must stat.
public enum DirectoryEntryType : byte
{
    Unknown = 0,
    Fifo = 1,
    CharacterDevice = 2,
    Directory = 4,
    BlockDevice = 6,
    RegularFile = 8,
    Symlink = 10,
    Socket = 12,
}
