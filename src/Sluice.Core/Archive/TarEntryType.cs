namespace Sluice.Core.Archive;

// The ustar typeflag of a member (POSIX.1-2001 pax, "ustar Interchange Format").
public enum TarEntryType : byte
{
    File = (byte)'0',
    Directory = (byte)'5',
    // A pax extended header: records that apply to the member that follows.
    PaxExtended = (byte)'x',
}
