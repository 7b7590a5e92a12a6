using System.Buffers.Text;
using System.Diagnostics;
using System.Buffers;

namespace Sluice.Core.Responses;

// Writes a response head (status line, fields, blank line) as ASCII into a caller-provided span,
// without allocating. The caller sizes the span (a head is bounded: a few fields, paths are
// percent-encoded); running out of room is a programming error, reported by TryWrite* = false.
public ref struct ResponseHeadWriter
{
    private readonly Span<byte> _buffer;
    private int _position;
    private bool _overflow;

    public ResponseHeadWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _overflow = false;
    }

    public readonly int Length => _position;

    public readonly bool Overflowed => _overflow;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    public void StatusLine(int status) => Raw(ReasonPhrases.StatusLine(status));

    public void Field(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        Raw(name);
        Raw(": "u8);
        Raw(value);
        Raw("\r\n"u8);
    }

    public void Field(scoped ReadOnlySpan<byte> name, string value)
    {
        Raw(name);
        Raw(": "u8);
        Ascii(value);
        Raw("\r\n"u8);
    }

    public void Field(scoped ReadOnlySpan<byte> name, long value)
    {
        Raw(name);
        Raw(": "u8);
        Number(value);
        Raw("\r\n"u8);
    }

    // Content-Range: bytes first-last/complete (RFC 9110 §14.4).
    public void ContentRange(long first, long last, long complete)
    {
        Raw("Content-Range: bytes "u8);
        Number(first);
        Raw("-"u8);
        Number(last);
        Raw("/"u8);
        Number(complete);
        Raw("\r\n"u8);
    }

    // Content-Range: bytes */complete, for 416 (RFC 9110 §15.5.17).
    public void UnsatisfiedContentRange(long complete)
    {
        Raw("Content-Range: bytes */"u8);
        Number(complete);
        Raw("\r\n"u8);
    }

    public void End() => Raw("\r\n"u8);

    public void Raw(scoped ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(_buffer[_position..]))
        {
            _overflow = true;
            return;
        }

        _position += bytes.Length;
    }

    public void Number(long value)
    {
        Debug.Assert(value >= 0);
        if (!Utf8Formatter.TryFormat(value, _buffer[_position..], out int written))
        {
            _overflow = true;
            return;
        }

        _position += written;
    }

    private void Ascii(string value)
    {
        // Field values we emit are ASCII by construction (paths are percent-encoded). Should one
        // ever not be, it is written with '?' in place of each non-ASCII char: never a CR or LF
        // from data, and never mistaken for a full buffer.
        if (value.Length > _buffer.Length - _position)
        {
            _overflow = true;
            return;
        }

        OperationStatus status = System.Text.Ascii.FromUtf16(value, _buffer[_position..], out int written);
        if (status == OperationStatus.InvalidData || (status == OperationStatus.Done && value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0))
        {
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                _buffer[_position + i] = c is >= ' ' and < (char)0x7F ? (byte)c : (byte)'?';
            }

            written = value.Length;
        }
        else if (status != OperationStatus.Done)
        {
            _overflow = true;
            return;
        }

        _position += written;
    }
}
