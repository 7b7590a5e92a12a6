using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Http;

namespace Sluice.Core.Oracles.Http;

// RFC 9112 §7.1 read line by line over the whole input, for comparison with ChunkedDecoder: lines are
// cut at CRLF and matched by regular expressions, sizes are arbitrary-precision. An incomplete input
// is NeedMore when the partial line still has a valid completion (tried by appending candidate
// endings) and no limit is already exceeded by the bytes present, Invalid otherwise. Shares no code
// with the decoder. Returns the body bytes seen before the verdict (for Invalid: those before the
// line or data that failed) and, for Done, the bytes consumed.
public static partial class ReferenceChunkedDecoder
{
    private const string FieldValue = @"[\t\x20-\x7E\x80-\xFF]";

    public static (ChunkedStatus Status, byte[] Body, int Consumed) Decode(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string text = Encoding.Latin1.GetString(input);
        var body = new List<byte>();
        int pos = 0;
        while (true)
        {
            // chunk-size [ chunk-ext ] CRLF
            (string? line, int next) = ReadLine(text, pos);
            if (line is null)
            {
                return (PartialSizeLineIsValid(text[pos..]) ? ChunkedStatus.NeedMore : ChunkedStatus.Invalid, [.. body], 0);
            }

            if (!TryParseSizeLine(line, out BigInteger size, limits: true))
            {
                return (ChunkedStatus.Invalid, [.. body], 0);
            }

            pos = next;
            if (size == 0)
            {
                break;
            }

            // chunk-data CRLF
            int available = text.Length - pos;
            if (available <= size)
            {
                body.AddRange(input.AsSpan(pos, available));
                return (ChunkedStatus.NeedMore, [.. body], 0);
            }

            int length = (int)size;
            body.AddRange(input.AsSpan(pos, length));
            pos += length;
            string after = text[pos..Math.Min(text.Length, pos + 2)];
            if (!"\r\n".StartsWith(after, StringComparison.Ordinal))
            {
                return (ChunkedStatus.Invalid, [.. body], 0);
            }

            if (after.Length < 2)
            {
                return (ChunkedStatus.NeedMore, [.. body], 0);
            }

            pos += 2;
        }

        // trailer-section CRLF
        int trailerStart = pos;
        while (true)
        {
            (string? line, int next) = ReadLine(text, pos);
            if (line is null)
            {
                string rest = text[pos..];
                bool fits = text.Length - trailerStart <= ChunkedDecoder.MaxTrailerBytes;
                return (fits && PartialTrailerLineIsValid(rest) ? ChunkedStatus.NeedMore : ChunkedStatus.Invalid, [.. body], 0);
            }

            if (next - trailerStart > ChunkedDecoder.MaxTrailerBytes || (line.Length > 0 && !TrailerLine().IsMatch(line)))
            {
                return (ChunkedStatus.Invalid, [.. body], 0);
            }

            pos = next;
            if (line.Length == 0)
            {
                return (ChunkedStatus.Done, [.. body], pos);
            }
        }
    }

    // The line from pos up to the first CRLF, or null when there is none; a bare LF or a CR followed
    // by anything but LF before it makes the line invalid, which the regexes then refuse.
    private static (string? Line, int Next) ReadLine(string text, int pos)
    {
        int crlf = text.IndexOf("\r\n", pos, StringComparison.Ordinal);
        return crlf < 0 ? (null, pos) : (text[pos..crlf], crlf + 2);
    }

    private static bool TryParseSizeLine(string line, out BigInteger size, bool limits)
    {
        size = 0;
        Match match = SizeLine().Match(line);
        if (!match.Success)
        {
            return false;
        }

        string digits = match.Groups[1].Value;
        size = BigInteger.Parse("0" + digits, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        string extension = match.Groups[2].Value;
        return !limits || (digits.Length <= ChunkedDecoder.MaxSizeDigits && size <= long.MaxValue && extension.Length <= ChunkedDecoder.MaxExtensionBytes);
    }

    private static bool PartialSizeLineIsValid(string rest)
    {
        // The limits hold for the bytes present: digits so far, their value, extension bytes so far.
        Match digits = LeadingHex().Match(rest);
        BigInteger value = digits.Length == 0 ? 0
            : BigInteger.Parse("0" + digits.Value, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        string extension = rest[digits.Length..].TrimEnd('\r');
        if (digits.Length > ChunkedDecoder.MaxSizeDigits || value > long.MaxValue || extension.Length > ChunkedDecoder.MaxExtensionBytes)
        {
            return false;
        }

        string[] endings = rest.EndsWith('\r') ? ["\n"] : ["\r\n", ";\r\n", "0\r\n"];
        foreach (string ending in endings)
        {
            string candidate = rest + ending;
            if (candidate.IndexOf("\r\n", StringComparison.Ordinal) == candidate.Length - 2 && TryParseSizeLine(candidate[..^2], out _, limits: false))
            {
                return true;
            }
        }

        return false;
    }

    private static bool PartialTrailerLineIsValid(string rest)
    {
        string[] endings = rest.EndsWith('\r') ? ["\n"] : ["\r\n", ":\r\n"];
        foreach (string ending in endings)
        {
            string candidate = rest + ending;
            if (candidate.IndexOf("\r\n", StringComparison.Ordinal) != candidate.Length - 2)
            {
                continue;
            }

            string line = candidate[..^2];
            if (line.Length == 0 || TrailerLine().IsMatch(line))
            {
                return true;
            }
        }

        return false;
    }

    // chunk-size = 1*HEXDIG; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ), its bytes
    // checked only as field-value bytes after a first ";" (the decoder ignores their meaning).
    [GeneratedRegex(@"^([0-9A-Fa-f]+)((?:[ \t]*;" + FieldValue + "*)?)\\z")]
    private static partial Regex SizeLine();

    [GeneratedRegex("^[0-9A-Fa-f]*")]
    private static partial Regex LeadingHex();

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:" + FieldValue + @"*\z")]
    private static partial Regex TrailerLine();
}
