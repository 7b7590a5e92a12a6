namespace Sluice.Core.Http;

public enum ChunkedStatus : byte
{
    // All input was consumed (framing, or nothing); more bytes are needed.
    NeedMore,

    // Body bytes were found: input[dataOffset..dataOffset+dataLength]; consumed ends after them.
    Data,

    // The last chunk and the trailer section ended; bytes after consumed belong to the next message.
    Done,

    // Malformed framing or a limit exceeded; the connection must be closed (its framing is lost).
    Invalid,
}
