using System.Text;

namespace Sluice.Core.Archive;

// Builds the header blocks of one tar member: a ustar header (POSIX.1-1988 ustar, as GNU tar
// writes it with --format=ustar --numeric-owner), preceded by a pax extended header (POSIX.1-2001)
// only when ustar cannot say something exactly:
//  - a path that fits neither name[100] nor prefix[155] + "/" + name[100];
//  - a path with bytes outside ASCII (ustar fields are portable only in ASCII; pax "path" is UTF-8,
//    or raw bytes, which GNU tar extracts unchanged);
//  - a size from 8 GiB on (11 octal digits end at 8 GiB - 1);
//  - an mtime before 1970 or past the 11-digit octal range.
// Sub-second mtimes are not recorded: a pax header for every member would cost 1 KiB each on a
// tree of small files, and HTTP's own dates (Last-Modified) have whole seconds.
// Owner and group are written as 0 with no names and the modes as 0644/0755: an archive must not
// tell a client the server's accounts, and the extracted tree is readable by whoever extracts it.
public static class TarHeader
{
    public const int BlockSize = 512;

    // 11 octal digits.
    public const long MaxOctal = 0x1_FFFF_FFFF; // 8^11 - 1

    private const int NameField = 100;
    private const int PrefixField = 155;

    // The two 512-byte zero blocks that end an archive.
    public const int EndOfArchiveLength = 2 * BlockSize;

    // Zero bytes after size bytes of content, up to the next block.
    public static int Padding(long size) => (int)((BlockSize - (size % BlockSize)) % BlockSize);

    // An upper bound of Write's result for a name of nameBytes bytes.
    public static int MaxLength(int nameBytes) =>
        (3 * BlockSize) + RoundUp(PaxRecord.Length(4, nameBytes) + PaxRecord.Length(4, 20) + PaxRecord.Length(5, 20));

    // Writes the header blocks (a multiple of 512 bytes) of a member named name (UTF-8 or raw
    // bytes, '/'-separated, a directory's with a trailing '/') into destination, which must hold
    // MaxLength(name.Length) bytes. Returns the number of bytes written.
    public static int Write(ReadOnlySpan<byte> name, TarEntryType type, long size, long mtimeSeconds, Span<byte> destination)
    {
        bool nameFits = TrySplit(name, out int split) && Ascii.IsValid(name);
        bool sizeFits = size <= MaxOctal;
        bool mtimeFits = mtimeSeconds is >= 0 and <= MaxOctal;
        int at = 0;
        if (!nameFits || !sizeFits || !mtimeFits)
        {
            at = WritePax(name, size, mtimeSeconds, nameFits, sizeFits, mtimeFits, destination);
        }

        Span<byte> header = destination.Slice(at, BlockSize);
        if (nameFits)
        {
            WriteUstar(header, name, split, type, size, mtimeSeconds);
        }
        else
        {
            // The pax path is what readers use; ustar gets an ASCII stand-in that fits.
            Span<byte> fallback = stackalloc byte[NameField];
            int length = Fallback(name, type, fallback);
            WriteUstar(header, fallback[..length], -1, type, sizeFits ? size : 0, mtimeSeconds);
        }

        if (!sizeFits)
        {
            WriteUstarSize(header, 0);
        }

        return at + BlockSize;
    }

    private static int WritePax(ReadOnlySpan<byte> name, long size, long mtimeSeconds, bool nameFits, bool sizeFits, bool mtimeFits, Span<byte> destination)
    {
        Span<byte> records = destination[BlockSize..];
        int length = 0;
        if (!nameFits)
        {
            length += PaxRecord.Write("path"u8, name, records[length..]);
        }

        if (!sizeFits)
        {
            length += PaxRecord.WriteDecimal("size"u8, size, records[length..]);
        }

        if (!mtimeFits)
        {
            length += PaxRecord.WriteDecimal("mtime"u8, mtimeSeconds, records[length..]);
        }

        records.Slice(length, Padding(length)).Clear();

        // GNU tar names the extended header "<dir>/PaxHeaders/<base>"; any name will do, as readers
        // that know pax consume it and others extract it as a small file beside the member.
        Span<byte> paxName = stackalloc byte[NameField];
        "PaxHeaders/"u8.CopyTo(paxName);
        int nameLength = 11 + Fallback(BaseName(name), TarEntryType.File, paxName[11..]);
        WriteUstar(destination[..BlockSize], paxName[..nameLength], -1, TarEntryType.PaxExtended, length, Math.Clamp(mtimeSeconds, 0, MaxOctal));
        return BlockSize + RoundUp(length);
    }

    // split: the index of the '/' between prefix and name, or -1 when the whole name fits name[100].
    private static void WriteUstar(Span<byte> header, ReadOnlySpan<byte> name, int split, TarEntryType type, long size, long mtimeSeconds)
    {
        header.Clear();
        if (split < 0)
        {
            name.CopyTo(header);
        }
        else
        {
            name[(split + 1)..].CopyTo(header);
            name[..split].CopyTo(header[345..]);
        }

        WriteOctal(header.Slice(100, 8), type == TarEntryType.Directory ? 493 : 420); // 0755, 0644
        WriteOctal(header.Slice(108, 8), 0);
        WriteOctal(header.Slice(116, 8), 0);
        WriteUstarSize(header, type == TarEntryType.Directory ? 0 : size);
        WriteOctal(header.Slice(136, 12), Math.Clamp(mtimeSeconds, 0, MaxOctal));
        header[156] = (byte)type;
        "ustar\0"u8.CopyTo(header[257..]);
        "00"u8.CopyTo(header[263..]);
        WriteOctal(header.Slice(329, 8), 0);
        WriteOctal(header.Slice(337, 8), 0);
        WriteChecksum(header);
    }

    private static void WriteUstarSize(Span<byte> header, long size)
    {
        WriteOctal(header.Slice(124, 12), size);
        WriteChecksum(header);
    }

    // The sum of the header's bytes as unsigned, with the checksum field itself counted as eight
    // spaces; written as six octal digits, NUL, space (what GNU tar and POSIX readers expect).
    public static void WriteChecksum(Span<byte> header)
    {
        "        "u8.CopyTo(header.Slice(148, 8));
        int sum = 0;
        foreach (byte b in header[..BlockSize])
        {
            sum += b;
        }

        WriteOctal(header.Slice(148, 7), sum);
        header[155] = (byte)' ';
    }

    // Zero-padded octal filling the field but its last byte, which is NUL.
    private static void WriteOctal(Span<byte> field, long value)
    {
        int digits = field.Length - 1;
        for (int i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[digits] = 0;
    }

    // Whether name fits ustar: whole in name[100], or split at a '/' into prefix[155] and a
    // non-empty name[100].
    private static bool TrySplit(ReadOnlySpan<byte> name, out int split)
    {
        split = -1;
        if (name.Length <= NameField)
        {
            return true;
        }

        if (name.Length > PrefixField + 1 + NameField)
        {
            return false;
        }

        // GNU tar's choice: the longest prefix, i.e. the rightmost '/' that leaves a prefix of at
        // most 155 bytes and a non-empty name of at most 100.
        for (int i = Math.Min(PrefixField, name.Length - 2); i >= name.Length - NameField - 1; i--)
        {
            if (name[i] == (byte)'/')
            {
                split = i;
                return true;
            }
        }

        return false;
    }

    // An ASCII name of at most destination.Length bytes standing in for name: its last bytes, non-ASCII
    // replaced by '_', a directory's trailing '/' kept.
    private static int Fallback(ReadOnlySpan<byte> name, TarEntryType type, Span<byte> destination)
    {
        ReadOnlySpan<byte> tail = name.Length > destination.Length ? name[^destination.Length..] : name;
        for (int i = 0; i < tail.Length; i++)
        {
            destination[i] = tail[i] is >= 0x20 and < 0x7F ? tail[i] : (byte)'_';
        }

        if (type == TarEntryType.Directory && tail.Length > 0)
        {
            destination[tail.Length - 1] = (byte)'/';
        }

        return tail.Length;
    }

    private static ReadOnlySpan<byte> BaseName(ReadOnlySpan<byte> name)
    {
        ReadOnlySpan<byte> trimmed = name.EndsWith((byte)'/') ? name[..^1] : name;
        int slash = trimmed.LastIndexOf((byte)'/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    private static int RoundUp(int length) => (length + BlockSize - 1) / BlockSize * BlockSize;
}
