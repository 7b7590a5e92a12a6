using Sluice.Core.Http;
using Sluice.Core.Oracles.Http;

namespace Sluice.Fuzz;

// Input layout: byte 0 is a split step (1..256), the rest is a chunked message body as it arrives on
// the socket. ChunkedDecoder, fed the body in pieces of that many bytes, must give
// ReferenceChunkedDecoder's verdict, exactly its body bytes and, when Done, consume exactly the message.
internal sealed class ChunkedBodyTarget : FuzzTarget
{
    private readonly List<byte> _body = [];

    public override string Name => "chunked";

    public override void Check(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        int step = input[0] + 1;
        byte[] message = input[1..];
        (ChunkedStatus expected, byte[] expectedBody, int expectedConsumed) = ReferenceChunkedDecoder.Decode(message);
        (ChunkedStatus status, int consumed) = DecodeInPieces(message, step);

        Agree(expected, status, $"status (pieces of {step})", input);
        AgreeSequence(expectedBody, _body, $"body (pieces of {step})", input);
        if (status == ChunkedStatus.Done)
        {
            Agree(expectedConsumed, consumed, "consumed", input);
        }
    }

    private (ChunkedStatus Status, int Consumed) DecodeInPieces(byte[] message, int step)
    {
        _body.Clear();
        var decoder = new ChunkedDecoder();
        int total = 0;
        ChunkedStatus status = ChunkedStatus.NeedMore;
        for (int start = 0; start < message.Length; start += step)
        {
            ReadOnlySpan<byte> piece = message.AsSpan(start, Math.Min(step, message.Length - start));
            while (true)
            {
                status = decoder.Decode(piece, out int consumed, out int offset, out int length);
                if (consumed < 0 || consumed > piece.Length || (status == ChunkedStatus.Data && (length <= 0 || offset + length > consumed)))
                {
                    throw new OracleMismatchException($"Decode returned {status} consumed {consumed}, data [{offset}, +{length}) for a piece of {piece.Length}");
                }

                if (status == ChunkedStatus.Data)
                {
                    _body.AddRange(piece.Slice(offset, length));
                }

                total += consumed;
                piece = piece[consumed..];
                if (status is ChunkedStatus.Done or ChunkedStatus.Invalid)
                {
                    return (status, total);
                }

                if (status == ChunkedStatus.NeedMore)
                {
                    break;
                }
            }
        }

        return (status, total);
    }
}
