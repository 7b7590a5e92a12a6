namespace Sluice.Core.Archive;

// The framing bytes of chunked transfer coding (RFC 9112 §7.1) around bodies whose bytes come
// from elsewhere: a chunk-size line before a chunk's data, CRLF after it, and the last chunk.
public static class ChunkFraming
{
    // A chunk-size line of a 63-bit size: up to 16 hex digits and CRLF.
    public const int MaxSizeLineLength = 18;

    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;

    public static ReadOnlySpan<byte> ChunkEnd => "\r\n"u8;

    // Writes "HEX\r\n" (lowercase, no leading zeros) into destination; returns its length.
    public static int WriteSizeLine(long size, Span<byte> destination)
    {
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "a chunk of zero bytes is the last chunk");
        }

        int digits = 0;
        for (long v = size; v != 0; v >>= 4)
        {
            digits++;
        }

        for (int i = digits - 1; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(size & 0xF)];
            size >>= 4;
        }

        destination[digits] = (byte)'\r';
        destination[digits + 1] = (byte)'\n';
        return digits + 2;
    }
}
