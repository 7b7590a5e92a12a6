namespace Sluice.Core.Uploads;

// The target of a tus upload: the decoded `filename` metadata, a path relative to the served root
// ("dir/a.bin"). It never passes through URL decoding, so it is checked here with the rules that
// RequestPathDecoder applies to request paths: no "..", no ".", no empty segment, no control
// character or backslash, and no dotfile unless dotfiles are served. The kernel still confines
// the final placement (openat2 RESOLVE_BENEATH); this check is what lets a client learn at POST.
public static class UploadTargetPath
{
    // PATH_MAX and NAME_MAX of Linux.
    public const int MaxLength = 4095;
    public const int MaxSegmentLength = 255;

    private static readonly System.Text.UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The metadata value's bytes as UTF-8; invalid or overlong sequences are refused rather than
    // replaced, so two different byte strings never name the same file.
    public static TargetPathRejection Decode(ReadOnlySpan<byte> utf8, bool allowDotfiles, out string path)
    {
        path = "";
        try
        {
            path = s_strictUtf8.GetString(utf8);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return TargetPathRejection.InvalidCharacter;
        }

        return Validate(path, allowDotfiles);
    }

    public static TargetPathRejection Validate(string path, bool allowDotfiles)
    {
        if (path.Length == 0 || path[0] == '/' || path[^1] == '/')
        {
            return TargetPathRejection.Malformed;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxLength)
        {
            return TargetPathRejection.TooLong;
        }

        foreach (char c in path)
        {
            if (char.IsControl(c) || c == '\\')
            {
                return TargetPathRejection.InvalidCharacter;
            }
        }

        foreach (Range range in path.AsSpan().Split('/'))
        {
            ReadOnlySpan<char> segment = path.AsSpan(range);
            if (segment.IsEmpty || segment is "." or "..")
            {
                return TargetPathRejection.Malformed;
            }

            if (System.Text.Encoding.UTF8.GetByteCount(segment) > MaxSegmentLength)
            {
                return TargetPathRejection.TooLong;
            }

            if (segment[0] == '.' && !allowDotfiles)
            {
                return TargetPathRejection.Dotfile;
            }
        }

        return TargetPathRejection.None;
    }
}
