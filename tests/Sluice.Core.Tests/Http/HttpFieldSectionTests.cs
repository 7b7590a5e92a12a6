using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

// HttpResponseHeadParser.TryParseFields: a field section without a start line, as a multipart part has.
public sealed class HttpFieldSectionTests
{
    public static TheoryData<string, string[]> ValidSections => new()
    {
        { "\r\n", [] },
        { "Content-Type: text/plain\r\n\r\n", ["Content-Type=text/plain"] },
        { "Content-Type:  text/plain \r\nContent-Range: bytes 0-9/100\r\n\r\n", ["Content-Type=text/plain", "Content-Range=bytes 0-9/100"] },
        { "X-Empty:\r\nx-empty: again\r\n\r\n", ["X-Empty=", "x-empty=again"] },
    };

    public static TheoryData<string> InvalidSections => new()
    {
        "Content-Type: text/plain\n\r\n",        // bare LF
        "X-Fold: a\r\n b\r\n\r\n",               // obs-fold
        "X-Name : a\r\n\r\n",                    // space before the colon
        "No colon\r\n\r\n",
        ": no name\r\n\r\n",
        "X: a\u0001b\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidSections))]
    public void CompleteSectionIsParsedAndConsumedWhole(string text, string[] fields)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text + "part bytes\r\n\r\nafter");

        ParseStatus result = HttpResponseHeadParser.TryParseFields(bytes, out IReadOnlyList<KeyValuePair<string, string>>? parsed, out int consumed);

        Assert.Equal(ParseStatus.Complete, result);
        Assert.NotNull(parsed);
        Assert.Equal(text.Length, consumed);
        Assert.Equal(fields, parsed.Select(f => $"{f.Key}={f.Value}"));
    }

    [Theory]
    [MemberData(nameof(ValidSections))]
    public void EveryPrefixIsIncompleteAndConsumesNothing(string text, string[] fields)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        Assert.NotNull(fields);
        for (int length = 0; length < bytes.Length; length++)
        {
            ParseStatus result = HttpResponseHeadParser.TryParseFields(bytes.AsSpan(0, length), out IReadOnlyList<KeyValuePair<string, string>>? parsed, out int consumed);
            Assert.True(result == ParseStatus.Incomplete, $"prefix of {length} bytes gave {result}");
            Assert.Equal(0, consumed);
            Assert.Null(parsed);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidSections))]
    public void MalformedSectionIsInvalid(string text)
    {
        ParseStatus result = HttpResponseHeadParser.TryParseFields(Encoding.Latin1.GetBytes(text), out IReadOnlyList<KeyValuePair<string, string>>? parsed, out int consumed);

        Assert.Equal(ParseStatus.Invalid, result);
        Assert.Null(parsed);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void SectionLongerThanTheLimitIsInvalidEvenIncomplete()
    {
        byte[] incomplete = Encoding.ASCII.GetBytes("X: " + new string('a', 200));
        Assert.Equal(ParseStatus.Incomplete, HttpResponseHeadParser.TryParseFields(incomplete, out _, out _, maxBytes: incomplete.Length + 1));
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParseFields(incomplete, out _, out _, maxBytes: incomplete.Length));

        byte[] complete = "X: a\r\n\r\n"u8.ToArray();
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParseFields(complete, out _, out _, maxBytes: complete.Length));
        Assert.Equal(ParseStatus.Invalid, HttpResponseHeadParser.TryParseFields(complete, out _, out _, maxBytes: complete.Length - 1));
    }

    [Fact]
    public void ResponseHeadFieldsAreTheSameSectionAfterTheStatusLine()
    {
        // One rule set for both: the fields TryParse returns are those TryParseFields reads after the status line.
        const string Fields = "Content-Type: multipart/byteranges; boundary=x\r\nContent-Length: 12\r\nX-Empty:\r\n\r\n";
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParse(Encoding.Latin1.GetBytes("HTTP/1.1 206 Partial Content\r\n" + Fields), out HttpResponseHead? head, out _));
        Assert.Equal(ParseStatus.Complete, HttpResponseHeadParser.TryParseFields(Encoding.Latin1.GetBytes(Fields), out IReadOnlyList<KeyValuePair<string, string>>? fields, out _));

        Assert.Equal(head!.Fields, fields);
    }
}
