using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Http;

namespace Sluice.Server.Tests.Infrastructure;

internal sealed record BytePart(string ContentType, long First, long Last, long CompleteLength, byte[] Bytes);

// A strict reader of multipart/byteranges (RFC 9110 §14.6, RFC 2046 §5.1): each part's length is
// taken from its own Content-Range, and the delimiter must follow exactly there. A part's header is
// read by the core's field-section parser, the same rules as a response head's fields.
internal static partial class Multipart
{
    public static string Boundary(string contentType)
    {
        Match match = BoundaryRegex().Match(contentType);
        Assert.True(match.Success, $"no boundary in Content-Type '{contentType}'");
        Assert.StartsWith("multipart/byteranges", contentType, StringComparison.Ordinal);
        return match.Groups[1].Value.Trim('"');
    }

    public static List<BytePart> Parse(byte[] body, string boundary)
    {
        var parts = new List<BytePart>();
        byte[] delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        int position = 0;

        // Optional preamble, then the first delimiter. The server sends none; CRLF is allowed.
        int first = body.AsSpan().IndexOf(delimiter);
        Assert.True(first >= 0, "no boundary delimiter in the body");
        Assert.True(body.AsSpan(0, first).Trim("\r\n"u8).IsEmpty, "unexpected preamble before the first part");
        position = first + delimiter.Length;
        while (true)
        {
            if (body.AsSpan(position).StartsWith("--"u8))
            {
                position += 2;
                Assert.True(body.AsSpan(position).Trim("\r\n"u8).IsEmpty, "bytes after the closing delimiter");
                return parts;
            }

            Expect(body, ref position, "\r\n"u8);
            Assert.True(
                HttpResponseHeadParser.TryParseFields(body.AsSpan(position), out IReadOnlyList<KeyValuePair<string, string>>? fields, out int headLength) == ParseStatus.Complete,
                $"part without a well-formed header section at {position}");
            position += headLength;
            string? contentType = Single(fields!, "Content-Type");
            string? contentRange = Single(fields!, "Content-Range");
            Assert.NotNull(contentType);
            Assert.NotNull(contentRange);
            (long firstByte, long last, long complete) = ParseContentRange(contentRange);
            int length = checked((int)(last - firstByte + 1));
            Assert.True(position + length <= body.Length, $"part {contentRange} runs past the end of the body");
            parts.Add(new BytePart(contentType, firstByte, last, complete, body.AsSpan(position, length).ToArray()));
            position += length;
            Expect(body, ref position, "\r\n"u8);
            Expect(body, ref position, delimiter);
        }
    }

    public static (long First, long Last, long Complete) ParseContentRange(string value)
    {
        Match match = ContentRangeRegex().Match(value);
        Assert.True(match.Success, $"malformed Content-Range '{value}'");
        return (
            long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
            long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    private static string? Single(IReadOnlyList<KeyValuePair<string, string>> fields, string name)
    {
        string[] values = fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).ToArray();
        Assert.True(values.Length <= 1, $"{name} appears {values.Length} times in a part's header");
        return values.FirstOrDefault();
    }

    private static void Expect(byte[] body, ref int position, ReadOnlySpan<byte> expected)
    {
        if (!body.AsSpan(position).StartsWith(expected))
        {
            int end = Math.Min(body.Length, position + 40);
            Assert.Fail($"expected '{Encoding.ASCII.GetString(expected)}' at {position}, found '{Encoding.ASCII.GetString(body, position, end - position)}'");
        }

        position += expected.Length;
    }

    [GeneratedRegex(@"boundary=(""[^""]+""|[^;\s]+)")]
    private static partial Regex BoundaryRegex();

    [GeneratedRegex(@"^bytes (\d+)-(\d+)/(\d+)$")]
    private static partial Regex ContentRangeRegex();
}
