using System.Text;
using Sluice.Core.Archive;

namespace Sluice.Core.Tests.Archive;

// Expected headers are the bytes GNU tar 1.34 wrote for the same members with
// `tar --format=ustar --owner=0 --group=0 --numeric-owner --mode=a=rX,u+w` (mtime 1700000000),
// written down as their non-zero fields (offset, text); every other byte is NUL.
public sealed class TarHeaderTests
{
    private const long Mtime = 1_700_000_000;

    private static readonly (int Offset, string Text)[] s_commonFields =
    [
        (108, "0000000\0" + "0000000\0"),
        (257, "ustar\0" + "00"),
        (329, "0000000\0" + "0000000\0"),
    ];

    [Fact]
    public void FileHeaderMatchesGnuTar()
    {
        byte[] expected = Block(
            (0, "d/a.txt"),
            (100, "0000644\0"),
            (124, "00000000006\0" + "14524770400\0" + "010447\0 0"));

        Assert.Equal(expected, Header("d/a.txt", TarEntryType.File, 6));
    }

    [Fact]
    public void DirectoryHeaderMatchesGnuTar()
    {
        byte[] expected = Block(
            (0, "d/"),
            (100, "0000755\0"),
            (124, "00000000000\0" + "14524770400\0" + "007472\0 5"));

        Assert.Equal(expected, Header("d/", TarEntryType.Directory, 0));
    }

    [Fact]
    public void LongNameIsSplitIntoPrefixAsGnuTarSplitsIt()
    {
        string x60 = new('x', 60);
        string name = $"d/{x60}/{x60}/file-with-a-longish-name.txt";
        byte[] expected = Block(
            (0, "file-with-a-longish-name.txt"),
            (100, "0000644\0"),
            (124, "00000000002\0" + "14524770400\0" + "051067\0 0"),
            (345, $"d/{x60}/{x60}"));

        Assert.Equal(expected, Header(name, TarEntryType.File, 2));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 511)]
    [InlineData(511, 1)]
    [InlineData(512, 0)]
    [InlineData(513, 511)]
    public void PaddingFillsTheLastBlock(long size, int padding) => Assert.Equal(padding, TarHeader.Padding(size));

    [Fact]
    public void NonAsciiNameGetsAPaxPathRecordAsGnuTarWritesIt()
    {
        byte[] name = Encoding.UTF8.GetBytes("d/café.txt");
        byte[] header = Write(name, TarEntryType.File, 2, Mtime);

        Assert.Equal(3 * 512, header.Length);
        Assert.Equal((byte)'x', header[156]);
        // GNU tar's record for this name (its archive has atime and ctime records after it).
        byte[] record = Encoding.UTF8.GetBytes("20 path=d/café.txt\n");
        Assert.Equal(record, header.AsSpan(512, record.Length).ToArray());
        Assert.Equal("00000000024\0", Encoding.ASCII.GetString(header, 124, 12));
        Assert.Equal((byte)'0', header[1024 + 156]);
        Assert.Equal("d/caf__.txt", Encoding.ASCII.GetString(header, 1024, 11));
        AssertChecksumsValid(header);
    }

    [Fact]
    public void NameTooLongForUstarGetsAPaxPathRecord()
    {
        string name = "top/" + new string('n', 150);
        byte[] header = Write(Encoding.ASCII.GetBytes(name), TarEntryType.File, 5, Mtime);

        string record = $"{name.Length + 10} path={name}\n"; // 3 digits + " path=" + "\n"
        Assert.Equal(record, Encoding.ASCII.GetString(header, 512, record.Length));
        Assert.Equal(new string('n', 100), Encoding.ASCII.GetString(header, 1024, 100));
        AssertChecksumsValid(header);
    }

    [Fact]
    public void SizeFromEightGibibytesGetsAPaxSizeRecord()
    {
        long size = (8L << 30) + 1;
        byte[] header = Write("big.bin"u8.ToArray(), TarEntryType.File, size, Mtime);

        Assert.Equal("19 size=8589934593\n", Encoding.ASCII.GetString(header, 512, 19));
        Assert.Equal("00000000000\0", Encoding.ASCII.GetString(header, 1024 + 124, 12));
        Assert.Equal("big.bin", Encoding.ASCII.GetString(header, 1024, 7));
        AssertChecksumsValid(header);
    }

    [Fact]
    public void LargestOctalSizeNeedsNoPax()
    {
        byte[] header = Write("big.bin"u8.ToArray(), TarEntryType.File, TarHeader.MaxOctal, Mtime);

        Assert.Equal(512, header.Length);
        Assert.Equal("77777777777\0", Encoding.ASCII.GetString(header, 124, 12));
    }

    [Fact]
    public void MtimeBeforeTheEpochGetsAPaxMtimeRecord()
    {
        byte[] header = Write("old.txt"u8.ToArray(), TarEntryType.File, 1, -86400);

        Assert.Equal("16 mtime=-86400\n", Encoding.ASCII.GetString(header, 512, 16));
        AssertChecksumsValid(header);
    }

    [Theory]
    [InlineData(1, "1\r\n")]
    [InlineData(512, "200\r\n")]
    [InlineData(0x1234abcdL, "1234abcd\r\n")]
    public void ChunkSizeLineIsLowercaseHex(long size, string line)
    {
        Span<byte> buffer = stackalloc byte[ChunkFraming.MaxSizeLineLength];
        int length = ChunkFraming.WriteSizeLine(size, buffer);
        Assert.Equal(line, Encoding.ASCII.GetString(buffer[..length]));
    }

    // " k=" + value + "\n" is value + 4 bytes; the length's own digits can add a digit (99 → 101 → 102).
    [Theory]
    [InlineData(1, 6)]
    [InlineData(5, 11)]
    [InlineData(93, 99)]
    [InlineData(94, 101)]
    [InlineData(95, 102)]
    public void PaxRecordLengthCountsItsOwnDigits(int valueBytes, int expected)
    {
        byte[] value = Encoding.ASCII.GetBytes(new string('v', valueBytes));
        byte[] record = new byte[expected];
        int written = PaxRecord.Write("k"u8, value, record);

        Assert.Equal(expected, PaxRecord.Length(1, valueBytes));
        Assert.Equal(expected, written);
        Assert.StartsWith(expected.ToString(System.Globalization.CultureInfo.InvariantCulture) + " k=v", Encoding.ASCII.GetString(record), StringComparison.Ordinal);
    }

    private static byte[] Header(string name, TarEntryType type, long size)
    {
        byte[] header = Write(Encoding.ASCII.GetBytes(name), type, size, Mtime);
        Assert.Equal(512, header.Length);
        return header;
    }

    private static byte[] Write(byte[] name, TarEntryType type, long size, long mtime)
    {
        byte[] buffer = new byte[TarHeader.MaxLength(name.Length)];
        int length = TarHeader.Write(name, type, size, mtime, buffer);
        Assert.Equal(0, length % 512);
        return buffer[..length];
    }

    private static byte[] Block(params (int Offset, string Text)[] fields)
    {
        byte[] block = new byte[512];
        foreach ((int offset, string text) in s_commonFields.Concat(fields))
        {
            Encoding.ASCII.GetBytes(text).CopyTo(block, offset);
        }

        return block;
    }

    // Each 512-byte header's checksum field holds the sum of its bytes (the field as spaces).
    private static void AssertChecksumsValid(byte[] headers)
    {
        for (int at = 0; at < headers.Length; at += 512)
        {
            if (at > 0 && headers[at - 512 + 156] == (byte)'x')
            {
                // Skip the extended records (the blocks after an 'x' header, up to the member's header).
                int recordBytes = Convert.ToInt32(Encoding.ASCII.GetString(headers, at - 512 + 124, 11), 8);
                at += (recordBytes + 511) / 512 * 512;
            }

            byte[] block = headers[at..(at + 512)];
            int stored = Convert.ToInt32(Encoding.ASCII.GetString(block, 148, 6), 8);
            "        "u8.CopyTo(block.AsSpan(148));
            Assert.Equal(stored, block.Sum(b => b));
        }
    }
}
