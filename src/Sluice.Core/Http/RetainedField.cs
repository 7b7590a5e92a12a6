using System.Text;

namespace Sluice.Core.Http;

// A field's bytes kept past the parse in a buffer reused across a connection's requests, made a
// string only when someone asks. The receive buffer the parser saw may be overwritten by the next
// read, so the bytes are copied; a string per request would be garbage that a cache hit never
// needs. Mutable struct: keep it in a non-readonly field.
internal struct RetainedField
{
    private byte[]? _bytes;
    private int _length;
    private bool _present;
    private string? _string;

    public readonly bool HasValue => _present;

    public readonly ReadOnlySpan<byte> Bytes => _present ? _bytes.AsSpan(0, _length) : default;

    public void Set(ReadOnlySpan<byte> value)
    {
        if (_bytes is null || value.Length > _bytes.Length)
        {
            _bytes = new byte[Math.Max(value.Length, Math.Max(32, (_bytes?.Length ?? 0) * 2))];
        }

        value.CopyTo(_bytes);
        _length = value.Length;
        _present = true;
        _string = null;
    }

    public void Clear()
    {
        _length = 0;
        _present = false;
        _string = null;
    }

    // Latin-1: one character per byte, as RFC 9110 §5.5 treats obs-text; for the request-target
    // (visible ASCII only) it is the same as ASCII.
    public string? GetString() => _present ? _string ??= Encoding.Latin1.GetString(Bytes) : null;
}
