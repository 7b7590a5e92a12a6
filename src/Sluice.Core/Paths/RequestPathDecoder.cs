using System.Buffers;
using System.Text;

namespace Sluice.Core.Paths;

// Turns the path of an origin-form request-target (RFC 9112 §3.2.1) into a relative path that is
// confined to the served root, or says why it cannot.
//
// Order matters for safety: percent-decoding happens exactly once, over the whole path, before dot
// segments are removed, so "%2e%2e" counts as ".." and "%2F" as a separator; a second decoding
// would let "%252e%252e" turn into ".." after the checks. Dot segments and separators are found in
// the decoded bytes, so '.', '/', NUL and '\\' count only in their single-byte forms; the bytes then
// become text by FileNameEncoding, which maps bytes that are not valid UTF-8 to lone surrogates and
// back (Linux names are bytes): an overlong "%C0%AE" stays the two name bytes C0 AE all the way to
// the kernel, which never reads them as '.'.
public static class RequestPathDecoder
{
    private const int StackLimit = 256;

    // pchar minus the characters that are special in HTML attributes ('&', '\'') or in a relative
    // reference (':' in a first segment reads as a scheme, RFC 3986 §4.2). Everything else,
    // including '%', '/', '?', '#' and non-ASCII, is percent-encoded from the name's bytes
    // (FileNameEncoding: UTF-8, and the original byte for an escaped one).
    private static readonly SearchValues<byte> s_segmentSafe = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$()*+,;=@"u8);

    private static readonly SearchValues<char> s_segmentSafeChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$()*+,;=@");

    public static PathRejection TryDecode(ReadOnlySpan<byte> rawPath, out string relativePath, out bool trailingSlash)
    {
        char[]? rented = null;
        Span<char> chars = rawPath.Length <= StackLimit
            ? stackalloc char[StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(rawPath.Length));
        try
        {
            PathRejection rejection = TryDecode(rawPath, chars, out int written, out trailingSlash);
            relativePath = rejection == PathRejection.None ? new string(chars[..written]) : string.Empty;
            return rejection;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // The same, into the caller's characters, so a request whose path is only looked up (an
    // open-file cache hit) makes no string. destination must hold rawPath.Length characters:
    // decoding never lengthens a path, and FileNameEncoding makes at most one char per byte.
    public static PathRejection TryDecode(ReadOnlySpan<byte> rawPath, Span<char> destination, out int written, out bool trailingSlash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, rawPath.Length, nameof(destination));
        written = 0;
        byte[]? rented = null;
        Span<byte> buffer = rawPath.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(rawPath.Length));
        try
        {
            PathRejection rejection = DecodeAndNormalize(rawPath, buffer, out int length, out trailingSlash);
            if (rejection == PathRejection.None)
            {
                written = FileNameEncoding.GetChars(buffer[..length], destination);
            }

            return rejection;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // Decodes rawPath into buffer (at least rawPath.Length bytes) and normalizes it in place;
    // length is that of the relative path's bytes, without the leading '/'.
    private static PathRejection DecodeAndNormalize(ReadOnlySpan<byte> rawPath, Span<byte> buffer, out int length, out bool trailingSlash)
    {
        length = 0;
        trailingSlash = false;
        if (rawPath.IsEmpty || rawPath[0] != (byte)'/')
        {
            return PathRejection.NotOriginForm;
        }

        PathRejection rejection = Decode(rawPath, buffer, out int decodedLength);
        if (rejection != PathRejection.None)
        {
            return rejection;
        }

        Span<byte> decoded = buffer[..decodedLength];
        trailingSlash = decoded[^1] == (byte)'/';
        rejection = RemoveDotSegments(decoded, out length);
        if (rejection != PathRejection.None)
        {
            trailingSlash = false;
        }

        return rejection;
    }

    private static PathRejection Decode(ReadOnlySpan<byte> raw, Span<byte> destination, out int written)
    {
        written = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];

            // Raw and encoded forms get the same checks: the encoding must not change the verdict.
            if (b == (byte)'%')
            {
                if (i + 2 >= raw.Length || !TryHex(raw[i + 1], out int high) || !TryHex(raw[i + 2], out int low))
                {
                    return PathRejection.MalformedEncoding;
                }

                b = (byte)((high << 4) | low);
                i += 2;
            }

            if (b == 0)
            {
                return PathRejection.NulByte;
            }

            if (b == (byte)'\\')
            {
                return PathRejection.Backslash;
            }

            if (b < 0x20 || b == 0x7F)
            {
                return PathRejection.MalformedEncoding;
            }

            destination[written++] = b;
        }

        return PathRejection.None;
    }

    // Splits on '/', drops empty and "." segments and lets ".." pop one (RFC 3986 §5.2.4, except
    // that popping above the root is an error rather than silently clamped: such a request is an
    // attack or a bug, and answering it as if it named the root would hide that). Works in place:
    // the output, without the leading '/', never overtakes the input.
    private static PathRejection RemoveDotSegments(Span<byte> path, out int length)
    {
        length = 0;
        int position = 0;
        while (position < path.Length)
        {
            if (path[position] == (byte)'/')
            {
                position++;
                continue;
            }

            int next = path[position..].IndexOf((byte)'/');
            int end = next < 0 ? path.Length : position + next;
            Span<byte> segment = path[position..end];
            position = end;

            if (segment.SequenceEqual("."u8))
            {
                continue;
            }

            if (segment.SequenceEqual(".."u8))
            {
                if (length == 0)
                {
                    return PathRejection.EscapesRoot;
                }

                length = Math.Max(path[..length].LastIndexOf((byte)'/'), 0);
                continue;
            }

            if (length > 0)
            {
                path[length++] = (byte)'/';
            }

            segment.CopyTo(path[length..]);
            length += segment.Length;
        }

        return PathRejection.None;
    }

    private static bool TryHex(byte c, out int value)
    {
        value = c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    public static string EncodeSegment(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (!segment.AsSpan().ContainsAnyExcept(s_segmentSafeChars))
        {
            return segment;
        }

        // An escaped byte of a non-UTF-8 name goes out as itself (%XX), so the link names the file.
        byte[] bytes = FileNameEncoding.GetBytes(segment);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            if (s_segmentSafe.Contains(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 0xF]);
            }
        }

        return builder.ToString();
    }
}
