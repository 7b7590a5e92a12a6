using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

public sealed class ChunkedDecoderTests
{
    // Input (Latin-1), the body it decodes to, and how many bytes belong to the chunked message
    // (anything after is the next request on the connection).
    public static TheoryData<string, string, int> ValidBodies => new()
    {
        { "5\r\nhello\r\n0\r\n\r\n", "hello", 15 },
        { "0\r\n\r\n", "", 5 },
        { "000\r\n\r\n", "", 7 },
        { "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "abcdefg", 22 },
        { "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 20 },
        { "a\r\n0123456789\r\n0\r\n\r\n", "0123456789", 20 },
        { "00000000000000A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 34 },
        { "5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", 31 },
        { "5 ;a=\"q\\\"x\" \t;b\r\nhello\r\n0\r\n\r\n", "hello", 29 },
        { "2\r\n\r\n\r\n0\r\n\r\n", "\r\n", 12 },
        { "5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum:\r\n\r\n", "hello", 39 },
        { "1\r\n\u00ff\r\n0\r\nX: caf\u00e9\t\r\n\r\n", "\u00ff", 21 },
    };

    public static TheoryData<string> InvalidBodies => new()
    {
        "g\r\n",                       // not a hex digit
        "\r\n",                        // no digits
        ";x\r\n",
        " 5\r\nhello\r\n0\r\n\r\n",    // whitespace before the size
        "5 \r\nhello\r\n0\r\n\r\n",    // BWS without an extension
        "-5\r\n",
        "+5\r\n",
        "0x5\r\n",
        "5\nhello\r\n0\r\n\r\n",       // bare LF after the size (HttpRequestParser refuses bare LF too)
        "5\rhello",                    // CR not followed by LF
        "5\r\nhelloX\r\n",             // data longer than its size: no CRLF after the data
        "5\r\nhello\n0\r\n\r\n",       // bare LF after the data
        "5\r\nhello\rX",
        "5;a\u0001b\r\n",              // a control byte in an extension
        "5;a\nb\r\n",
        "0\r\nX-Fold: a\r\n b\r\n\r\n", // obs-fold in a trailer
        "0\r\nNo colon\r\n\r\n",
        "0\r\n: empty name\r\n\r\n",
        "0\r\nX : space before colon\r\n\r\n",
        "0\r\nX: a\nY: b\r\n\r\n",
        "0\r\n\n",                     // bare LF ends the trailer section
        "0\r\n\rX",
        "10000000000000000\r\n",       // 17 digits
        "8000000000000000\r\n",        // 2^63 overflows a long
        "FFFFFFFFFFFFFFFF\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void WholeInputDecodesToTheBody(string input, string body, int messageLength)
    {
        (ChunkedStatus status, string decoded, int consumed) = DecodeInParts(Bytes(input), [input.Length]);

        Assert.Equal(ChunkedStatus.Done, status);
        Assert.Equal(body, decoded);
        Assert.Equal(messageLength, consumed);
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void EverySplitAndByteByByteGiveTheSameBody(string input, string body, int messageLength)
    {
        byte[] bytes = Bytes(input);
        for (int split = 0; split <= bytes.Length; split++)
        {
            (ChunkedStatus status, string decoded, int consumed) = DecodeInParts(bytes, [split, bytes.Length - split]);
            Assert.True(status == ChunkedStatus.Done, $"split at {split} gave {status}");
            Assert.Equal(body, decoded);
            Assert.Equal(messageLength, consumed);
        }

        (ChunkedStatus oneByOne, string byteByByte, int consumedOneByOne) = DecodeInParts(bytes, [.. Enumerable.Repeat(1, bytes.Length)]);
        Assert.Equal(ChunkedStatus.Done, oneByOne);
        Assert.Equal(body, byteByByte);
        Assert.Equal(messageLength, consumedOneByOne);
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void EveryProperPrefixNeedsMore(string input, string body, int messageLength)
    {
        byte[] bytes = Bytes(input);
        for (int length = 0; length < messageLength; length++)
        {
            (ChunkedStatus status, string decoded, int consumed) = DecodeInParts(bytes.AsSpan(0, length).ToArray(), [length]);
            Assert.True(status == ChunkedStatus.NeedMore, $"prefix of {length} bytes gave {status}");
            Assert.Equal(length, consumed);
            Assert.StartsWith(decoded, body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void MalformedFramingIsInvalidHoweverItIsSplit(string input)
    {
        byte[] bytes = Bytes(input);
        Assert.Equal(ChunkedStatus.Invalid, DecodeInParts(bytes, [bytes.Length]).Status);
        Assert.Equal(ChunkedStatus.Invalid, DecodeInParts(bytes, [.. Enumerable.Repeat(1, bytes.Length)]).Status);
    }

    [Fact]
    public void SixteenDigitsUpToLongMaxValueAreAccepted()
    {
        var decoder = new ChunkedDecoder();
        ChunkedStatus status = decoder.Decode("7FFFFFFFFFFFFFFF\r\nab"u8, out int consumed, out int offset, out int length);

        Assert.Equal(ChunkedStatus.Data, status);
        Assert.Equal((20, 18, 2), (consumed, offset, length));
        Assert.Equal(long.MaxValue - 2, decoder.RemainingInChunk);
    }

    [Fact]
    public void ExtensionsUpToTheLimitAreAcceptedOneMoreByteIsInvalid()
    {
        string atLimit = ";" + new string('x', ChunkedDecoder.MaxExtensionBytes - 1);
        Assert.Equal(ChunkedStatus.Done, DecodeInParts(Bytes($"1{atLimit}\r\nz\r\n0\r\n\r\n"), [1 + 4096 + 10]).Status);
        Assert.Equal(ChunkedStatus.Invalid, DecodeInParts(Bytes($"1{atLimit}x\r\nz\r\n0\r\n\r\n"), [1 + 4097 + 10]).Status);

        // Whitespace before the ";" counts too.
        string spaces = new(' ', ChunkedDecoder.MaxExtensionBytes);
        Assert.Equal(ChunkedStatus.Invalid, DecodeInParts(Bytes($"1{spaces};\r\n"), [1 + 4096 + 3]).Status);
    }

    [Fact]
    public void TrailersUpToTheLimitAreAcceptedOneMoreByteIsInvalid()
    {
        // The trailer section counts its lines and the final CRLF.
        string line = "X:" + new string('v', ChunkedDecoder.MaxTrailerBytes - 6) + "\r\n";
        string atLimit = "0\r\n" + line + "\r\n";
        Assert.Equal(ChunkedDecoder.MaxTrailerBytes, atLimit.Length - 3);
        Assert.Equal(ChunkedStatus.Done, DecodeInParts(Bytes(atLimit), [atLimit.Length]).Status);

        string over = "0\r\nX:v" + line[2..] + "\r\n";
        Assert.Equal(ChunkedStatus.Invalid, DecodeInParts(Bytes(over), [over.Length]).Status);
    }

    [Fact]
    public void AfterDoneAndAfterInvalidNothingMoreIsConsumed()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedStatus.Done, decoder.Decode("0\r\n\r\nX"u8, out int consumed, out _, out _));
        Assert.Equal(5, consumed);
        Assert.Equal(ChunkedStatus.Done, decoder.Decode("X"u8, out consumed, out _, out _));
        Assert.Equal(0, consumed);

        decoder.Reset();
        Assert.Equal(ChunkedStatus.Invalid, decoder.Decode("z\r\n"u8, out consumed, out _, out _));
        Assert.Equal(1, consumed);
        Assert.Equal(ChunkedStatus.Invalid, decoder.Decode("0\r\n\r\n"u8, out consumed, out _, out _));
        Assert.Equal(0, consumed);

        decoder.Reset();
        Assert.Equal(ChunkedStatus.Done, decoder.Decode("0\r\n\r\n"u8, out _, out _, out _));
    }

    [Fact]
    public void DataMovedOutsideTheDecoderIsAccountedByConsumeData()
    {
        // A receiver that splices a chunk's data reads RemainingInChunk, moves the bytes itself and
        // reports them; the decoder then expects the CRLF after the data.
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedStatus.NeedMore, decoder.Decode("a;x\r\n"u8, out int consumed, out _, out _));
        Assert.Equal(5, consumed);
        Assert.Equal(10, decoder.RemainingInChunk);

        decoder.ConsumeData(7);
        Assert.Equal(3, decoder.RemainingInChunk);
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.ConsumeData(4));

        Assert.Equal(ChunkedStatus.Data, decoder.Decode("890\r\n0\r\n\r\n"u8, out consumed, out int offset, out int length));
        Assert.Equal((3, 0, 3), (consumed, offset, length));
        Assert.Equal(0, decoder.RemainingInChunk);
        Assert.Equal(ChunkedStatus.Done, decoder.Decode("\r\n0\r\n\r\n"u8, out consumed, out _, out _));
        Assert.Equal(7, consumed);
    }

    // Feeds input in parts of the given sizes (the last part, or the only one when there are none, gets whatever remains), calling Decode
    // until each part is used up, as a connection would with successive receives.
    internal static (ChunkedStatus Status, string Body, int Consumed) DecodeInParts(byte[] input, int[] parts)
    {
        var decoder = new ChunkedDecoder();
        var body = new StringBuilder();
        int position = 0;
        int total = 0;
        ChunkedStatus status = ChunkedStatus.NeedMore;
        for (int p = 0; position < input.Length; p++)
        {
            int end = p >= parts.Length - 1 ? input.Length : Math.Min(input.Length, position + parts[p]);
            ReadOnlySpan<byte> part = input.AsSpan(position, end - position);
            while (true)
            {
                status = decoder.Decode(part, out int consumed, out int offset, out int length);
                Assert.InRange(consumed, 0, part.Length);
                if (status == ChunkedStatus.Data)
                {
                    Assert.True(length > 0 && offset + length <= consumed, $"data [{offset}, +{length}) outside consumed {consumed}");
                    body.Append(Encoding.Latin1.GetString(part.Slice(offset, length)));
                }

                total += consumed;
                part = part[consumed..];
                if (status is ChunkedStatus.Done or ChunkedStatus.Invalid)
                {
                    return (status, body.ToString(), total);
                }

                if (status == ChunkedStatus.NeedMore)
                {
                    Assert.True(part.IsEmpty, "NeedMore must consume the whole input");
                    break;
                }
            }

            position = end;
        }

        return (status, body.ToString(), total);
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
