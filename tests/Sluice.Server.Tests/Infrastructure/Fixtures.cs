using System.Security.Cryptography;
using System.Text;

namespace Sluice.Server.Tests.Infrastructure;

// Fixture files. "Blocks" files are made of 16-byte blocks "X" + 14-digit offset + "\n", so a
// wrong range shows up in a failure message as the offset it actually came from.
internal static class Fixtures
{
    public const int BlockBytes = 16;

    // The sparse fixture: just over 4 GiB, a marker straddling the 4 GiB boundary, no disk used.
    public const long SparseLength = (4L * 1024 * 1024 * 1024) + 4096;
    public const long SparseMarkerOffset = (4L * 1024 * 1024 * 1024) - 10;
    public static readonly byte[] SparseMarker = Encoding.ASCII.GetBytes("<<marker crossing 4 GiB>>");
    public static readonly byte[] SparseTailMarker = Encoding.ASCII.GetBytes("<<the last bytes>>");

    public static byte[] Blocks(long offset, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = BlockByte(offset + i);
        }

        return bytes;
    }

    public static byte BlockByte(long position)
    {
        long block = position / BlockBytes * BlockBytes;
        int within = (int)(position - block);
        if (within == 0)
        {
            return (byte)'X';
        }

        if (within == BlockBytes - 1)
        {
            return (byte)'\n';
        }

        // 14 digits of the block's offset, most significant first.
        long digits = block;
        for (int k = 0; k < BlockBytes - 2 - within; k++)
        {
            digits /= 10;
        }

        return (byte)('0' + (digits % 10));
    }

    public static void WriteBlocksFile(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        var chunk = new byte[1 << 20];
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, length - offset);
            for (int i = 0; i < n; i += BlockBytes)
            {
                Encoding.ASCII.GetBytes($"X{offset + i:D14}\n", chunk.AsSpan(i));
            }

            stream.Write(chunk, 0, n);
        }
    }

    public static void WriteRandomFile(string path, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    public static void WriteSparseFile(string path)
    {
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.ASCII.GetBytes("sparse file head\n"));
            stream.Position = SparseMarkerOffset;
            stream.Write(SparseMarker);
            stream.Position = SparseLength - SparseTailMarker.Length;
            stream.Write(SparseTailMarker);
            stream.SetLength(SparseLength);
        }
    }

    // The expected bytes: read from the file itself, never from a second model of it.
    public static byte[] Slice(string path, long offset, long length)
    {
        using var handle = File.OpenHandle(path);
        var bytes = new byte[length];
        int total = 0;
        while (total < length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(total), offset + total);
            if (n == 0)
            {
                throw new InvalidOperationException($"{path} ended at {offset + total}");
            }

            total += n;
        }

        return bytes;
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256OfFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // A short, readable description of where two byte arrays first differ.
    public static string FirstDifference(byte[] expected, byte[] actual)
    {
        int common = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"first difference at body index {i}: expected '{Show(expected, i)}', got '{Show(actual, i)}'";
            }
        }

        return expected.Length == actual.Length ? "identical" : $"length differs: expected {expected.Length}, got {actual.Length}";
    }

    public static void AssertBytes(byte[] expected, byte[] actual, string what)
    {
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            Assert.Fail($"{what}: {FirstDifference(expected, actual)}");
        }
    }

    private static string Show(byte[] bytes, int at)
    {
        int start = Math.Max(0, at - 8);
        int end = Math.Min(bytes.Length, at + 24);
        return Encoding.ASCII.GetString(bytes, start, end - start).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
    }
}
