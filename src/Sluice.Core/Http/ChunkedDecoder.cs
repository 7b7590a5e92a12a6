using System.Diagnostics;

namespace Sluice.Core.Http;

// A pure, resumable decoder of the chunked transfer coding (RFC 9112 §7.1).
//
// Design: a byte-at-a-time state machine over the framing (chunk-size line, CRLF after the data,
// trailer section) and a bulk pass over the data, so any split of the input gives the same body
// bytes: the state carries everything across calls and nothing is buffered. Each call returns at
// most one data segment (a slice of the caller's input, no copy); RemainingInChunk and ConsumeData
// let a receiver move a chunk's data by other means (splice) and tell the decoder afterwards.
// The grammar is as strict as the request parser's, because a lenient chunked parser behind a
// strict proxy (or the reverse) is the classic request-smuggling pair: CRLF only (a bare LF or a CR
// not followed by LF is Invalid, as HttpRequestParser refuses them), hex digits only, no whitespace
// before the size, BWS after it only when an extension (";") follows, no obs-fold in trailers.
// Limits: at most 16 hex digits and a size that fits a long (no overflow), at most 4 KiB of
// extensions per chunk line, at most 8 KiB of trailer section. Extensions and trailers are checked
// and discarded: nothing here acts on them.
public struct ChunkedDecoder
{
    public const int MaxSizeDigits = 16;
    public const int MaxExtensionBytes = 4 * 1024;
    public const int MaxTrailerBytes = 8 * 1024;

    private State _state;
    private long _size;
    private int _count; // size digits, or extension bytes, of the current chunk line
    private int _trailerBytes;

    private enum State : byte
    {
        Size, // default: the start of a chunk line
        SizeWhitespace,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerLf,
        EndLf,
        Done,
        Invalid,
    }

    // Bytes of the current chunk's data not yet returned (0 outside data).
    public readonly long RemainingInChunk => _state == State.Data ? _size : 0;

    public readonly bool IsDone => _state == State.Done;

    public ChunkedStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength)
    {
        dataOffset = 0;
        dataLength = 0;
        int i = 0;
        while (true)
        {
            switch (_state)
            {
                case State.Done:
                    consumed = i;
                    return ChunkedStatus.Done;
                case State.Invalid:
                    consumed = i;
                    return ChunkedStatus.Invalid;
                case State.Data when i < input.Length:
                    int length = (int)Math.Min(_size, input.Length - i);
                    dataOffset = i;
                    dataLength = length;
                    ConsumeData(length);
                    consumed = i + length;
                    return ChunkedStatus.Data;
            }

            if (i == input.Length)
            {
                consumed = i;
                return ChunkedStatus.NeedMore;
            }

            _state = Step(input[i++]);
        }
    }

    // Records that count bytes of the current chunk's data were moved by the caller without Decode
    // (e.g. spliced from the socket): count must not exceed RemainingInChunk.
    public void ConsumeData(long count)
    {
        if (count < 0 || count > RemainingInChunk)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"only {RemainingInChunk} bytes of chunk data remain");
        }

        _size -= count;
        if (_size == 0)
        {
            _state = State.DataCr;
        }
    }

    public void Reset() => this = default;

    private State Step(byte b)
    {
        switch (_state)
        {
            case State.Size:
                int digit = HexValue(b);
                if (digit >= 0)
                {
                    // Refusing before the shift keeps the size within a long (RFC 9112 §7.1: a recipient
                    // MUST anticipate large sizes and prevent integer overflow).
                    if (_count == MaxSizeDigits || _size > (long.MaxValue >> 4))
                    {
                        return State.Invalid;
                    }

                    _size = (_size << 4) | (uint)digit;
                    _count++;
                    return State.Size;
                }

                if (_count == 0)
                {
                    return State.Invalid;
                }

                _count = 0;
                return b switch
                {
                    (byte)'\r' => State.SizeLf,
                    (byte)';' => CountExtension(State.Extension),
                    (byte)' ' or (byte)'\t' => CountExtension(State.SizeWhitespace),
                    _ => State.Invalid,
                };

            case State.SizeWhitespace:
                // chunk-ext = *( BWS ";" ... ): whitespace after the size must lead to an extension.
                return b switch
                {
                    (byte)';' => CountExtension(State.Extension),
                    (byte)' ' or (byte)'\t' => CountExtension(State.SizeWhitespace),
                    _ => State.Invalid,
                };

            case State.Extension:
                return b == (byte)'\r' ? State.SizeLf
                    : HttpSyntax.IsFieldValueByte(b) ? CountExtension(State.Extension)
                    : State.Invalid;

            case State.SizeLf:
                if (b != (byte)'\n')
                {
                    return State.Invalid;
                }

                _count = 0;
                return _size == 0 ? State.TrailerLineStart : State.Data;

            case State.DataCr:
                return b == (byte)'\r' ? State.DataLf : State.Invalid;

            case State.DataLf:
                Debug.Assert(_size == 0 && _count == 0, "a chunk line starts from a clean size");
                return b == (byte)'\n' ? State.Size : State.Invalid;
        }

        return StepTrailer(b);
    }

    private State StepTrailer(byte b)
    {
        if (++_trailerBytes > MaxTrailerBytes)
        {
            return State.Invalid;
        }

        switch (_state)
        {
            case State.TrailerLineStart:
                // A line starting with whitespace would be obs-fold (RFC 9112 §5.2): refused.
                return b == (byte)'\r' ? State.EndLf
                    : HttpSyntax.Tchar.Contains(b) ? State.TrailerName
                    : State.Invalid;

            case State.TrailerName:
                return b == (byte)':' ? State.TrailerValue
                    : HttpSyntax.Tchar.Contains(b) ? State.TrailerName
                    : State.Invalid;

            case State.TrailerValue:
                return b == (byte)'\r' ? State.TrailerLf
                    : HttpSyntax.IsFieldValueByte(b) ? State.TrailerValue
                    : State.Invalid;

            case State.TrailerLf:
                return b == (byte)'\n' ? State.TrailerLineStart : State.Invalid;

            case State.EndLf:
                return b == (byte)'\n' ? State.Done : State.Invalid;

            default:
                Debug.Fail($"no framing step in state {_state}");
                return State.Invalid;
        }
    }

    private State CountExtension(State next) => ++_count > MaxExtensionBytes ? State.Invalid : next;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
