using System.Text;
using CsCheck;
using Sluice.Core.Http;
using Sluice.Core.Oracles.Http;

namespace Sluice.Core.Tests.Http;

// On failure CsCheck prints the seed ("Set seed: ... or -e CsCheck_Seed=..."): running the test
// again with that environment variable replays the failing input first.
public sealed class ChunkedDecoderPropertyTests
{
    private static readonly string[] s_extensions = ["", ";a", ";name=value", " ;q=\"x y\"", "\t; a = b ;c"];
    private static readonly string[] s_trailers = ["", "X: 1\r\n", "Digest: sha-256=abc\r\nX-Empty:\r\n"];
    private static readonly byte[] s_interesting = Encoding.Latin1.GetBytes(" \r\n;:\t\0\u007f0fFgx-");

    [Fact]
    public void AnyChunkingAndAnySplitDecodeToTheOriginalBody()
    {
        Gen<(byte[] Body, int[] Chunks, string Extension, string Trailer, int[] Splits)> cases =
            from body in Gen.Byte.Array[0, 600]
            from chunks in Gen.Int[1, 200].Array[1, 12]
            from extension in Gen.OneOfConst(s_extensions)
            from trailer in Gen.OneOfConst(s_trailers)
            from splits in Gen.Int[0, 64].Array[0, 20]
            select (body, chunks, extension, trailer, splits);

        cases.Sample(
            c =>
            {
                byte[] encoded = Encode(c.Body, c.Chunks, c.Extension, c.Trailer);
                (ChunkedStatus status, string decoded, int consumed) = ChunkedDecoderTests.DecodeInParts(encoded, c.Splits);
                Assert.Equal(ChunkedStatus.Done, status);
                Assert.Equal(Encoding.Latin1.GetString(c.Body), decoded);
                Assert.Equal(encoded.Length, consumed);
            },
            print: c => $"{c.Body.Length} bytes in chunks [{string.Join(",", c.Chunks)}], ext '{c.Extension}', splits [{string.Join(",", c.Splits)}]",
            iter: 5_000);
    }

    [Fact]
    public void MutatedBodiesAgreeWithTheReferenceDecoder()
    {
        Gen<byte[]> inputs =
            from body in Gen.Byte[(byte)'a', (byte)'e'].Array[0, 40]
            from chunks in Gen.Int[1, 20].Array[1, 4]
            from extension in Gen.OneOfConst(s_extensions)
            from trailer in Gen.OneOfConst(s_trailers)
            from mutations in Gen.Int[0, 3].SelectMany(n => Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1000], Gen.OneOfConst(s_interesting)).Array[n])
            select ByteMutations.Apply(Encode(body, chunks, extension, trailer), mutations);

        inputs.Sample(
            input =>
            {
                (ChunkedStatus expected, byte[] expectedBody, int expectedConsumed) = ReferenceChunkedDecoder.Decode(input);
                (ChunkedStatus status, string body, int consumed) = ChunkedDecoderTests.DecodeInParts(input, [input.Length]);
                Assert.Equal(expected, status);
                Assert.Equal(Encoding.Latin1.GetString(expectedBody), body);
                if (status == ChunkedStatus.Done)
                {
                    Assert.Equal(expectedConsumed, consumed);
                }

                // And byte by byte: the verdict does not depend on how the input arrives.
                Assert.Equal(expected, ChunkedDecoderTests.DecodeInParts(input, [.. Enumerable.Repeat(1, input.Length)]).Status);
            },
            print: ByteMutations.Show,
            iter: 20_000);
    }

    internal static byte[] Encode(byte[] body, int[] chunks, string extension, string trailer)
    {
        var output = new List<byte>();
        int position = 0;
        for (int i = 0; position < body.Length; i++)
        {
            int size = Math.Min(chunks[i % chunks.Length], body.Length - position);
            output.AddRange(Encoding.Latin1.GetBytes($"{size:x}{extension}\r\n"));
            output.AddRange(body.AsSpan(position, size));
            output.AddRange("\r\n"u8);
            position += size;
        }

        output.AddRange(Encoding.Latin1.GetBytes($"0{extension}\r\n{trailer}\r\n"));
        return [.. output];
    }
}
